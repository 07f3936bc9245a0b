/*
 * bench_readers: the container readers of mime/ alone (printed, never asserted): MB/s of
 * container on one core (CPU time), the wall time and the bytes the members hold, for
 *   - a 10 MB PDF: 300 Flate content streams and 8 embedded files of 1 MB (random bytes,
 *     Flate), their file specifications in an object stream;
 *   - a 10 MB HTML page carrying a 6 MB base64 atob() literal and a 1 MB data: URI;
 *   - a 10 MB OpenPGP message (zlib-compressed literal data of random and text bytes).
 *
 * Usage: bench_readers
 */

#include "mime/html.h"
#include "mime/openpgp.h"
#include "mime/pdf.h"
#include "tests/bench/benchlib.c"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void random_bytes(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

static GBytes *deflate_bytes(const unsigned char *p, size_t n)
{
	uLongf zlen = compressBound(n);
	unsigned char *z = g_malloc(zlen);

	if (compress2(z, &zlen, p, n, 6) != Z_OK)
		abort();
	return g_bytes_new_take(z, zlen);
}

static void add_stream(GString *pdf, unsigned int num, const char *dict, GBytes *z)
{
	g_string_append_printf(pdf, "%u 0 obj\n<< %s /Filter /FlateDecode /Length %zu >>\nstream\n",
	                       num, dict, g_bytes_get_size(z));
	g_string_append_len(pdf, g_bytes_get_data(z, NULL), (gssize)g_bytes_get_size(z));
	g_string_append(pdf, "\nendstream\nendobj\n");
}

static GString *make_pdf(void)
{
	GString *pdf = g_string_new("%PDF-1.7\n");
	GString *stm = g_string_new(NULL), *head = g_string_new(NULL);
	unsigned char *buf = g_malloc(1 << 20);
	unsigned int num = 10;

	/* content streams: text-like, compressible */
	for (unsigned int i = 0; i < 300; i++) {
		GString *c = g_string_new(NULL);
		GBytes *z;

		while (c->len < 60000)
			g_string_append_printf(c,
			                       "BT /F1 12 Tf %u %u Td (line %u of page %u) Tj ET\n",
			                       (unsigned)(rng() % 500), (unsigned)(rng() % 800),
			                       (unsigned)(rng() % 100), i);
		z = deflate_bytes((unsigned char *)c->str, c->len);
		add_stream(pdf, num++, "", z);
		g_bytes_unref(z);
		g_string_free(c, TRUE);
	}
	/* embedded files and their file specifications (these in an object stream) */
	for (unsigned int i = 0; i < 8; i++) {
		GBytes *z;
		char name[32];

		random_bytes(buf, 1 << 20);
		z = deflate_bytes(buf, 1 << 20);
		add_stream(pdf, num, "/Type /EmbeddedFile", z);
		g_bytes_unref(z);
		g_snprintf(name, sizeof(name), "file%u.bin", i);
		g_string_append_printf(head, "%u %zu ", num + 1, stm->len);
		g_string_append_printf(stm, "<< /Type /Filespec /F (%s) /EF << /F %u 0 R >> >>\n",
		                       name, num);
		num += 2;
	}
	g_string_prepend(stm, head->str);
	{
		char dict[96];
		GBytes *z = deflate_bytes((unsigned char *)stm->str, stm->len);

		g_snprintf(dict, sizeof(dict), "/Type /ObjStm /N 8 /First %zu", head->len);
		add_stream(pdf, num, dict, z);
		g_bytes_unref(z);
	}
	g_string_append(pdf, "trailer << /Size 9999 >>\n%%EOF\n");
	g_string_free(stm, TRUE);
	g_string_free(head, TRUE);
	g_free(buf);
	return pdf;
}

static GString *make_html(void)
{
	GString *h = g_string_new("<html><body><script>var d = atob(\"");
	unsigned char *buf = g_malloc(4700000);
	gchar *b64;

	random_bytes(buf, 4500000);
	b64 = g_base64_encode(buf, 4500000);
	g_string_append(h, b64);
	g_free(b64);
	g_string_append(h, "\");</script><img src=\"data:image/png;base64,");
	b64 = g_base64_encode(buf, 750000);
	g_string_append(h, b64);
	g_free(b64);
	g_string_append(h, "\">");
	while (h->len < 10u << 20)
		g_string_append(h, "<p>Lorem ipsum dolor sit amet, consectetur adipiscing.</p>\n");
	g_string_append(h, "</body></html>\n");
	g_free(buf);
	return h;
}

static GString *make_pgp(void)
{
	size_t n = 12u << 20;
	unsigned char *lit = g_malloc(n + 32);
	GBytes *z;
	GString *msg = g_string_new_len("\xa3\x02", 2);

	/* new-format literal, 4-byte length: 0xcb 0xff LEN, 'b', name length 0, date */
	lit[0] = 0xcb;
	lit[1] = 0xff;
	lit[2] = (unsigned char)((n + 6) >> 24), lit[3] = (unsigned char)((n + 6) >> 16);
	lit[4] = (unsigned char)((n + 6) >> 8), lit[5] = (unsigned char)(n + 6);
	memcpy(lit + 6, "b\0\0\0\0\0", 6);
	random_bytes(lit + 12, n / 2);
	for (size_t i = n / 2; i < n; i++)
		lit[12 + i] = "abcdefgh \n"[rng() % 10];
	z = deflate_bytes(lit, n + 12);
	g_string_append_len(msg, g_bytes_get_data(z, NULL), (gssize)g_bytes_get_size(z));
	g_bytes_unref(z);
	g_free(lit);
	return msg;
}

typedef int reader_fn(const unsigned char *, size_t, const struct msg_limits *, GPtrArray *,
                      GError **);

static void bench(const char *label, GString *in, reader_fn *fn)
{
	const unsigned int runs = 5;
	double t0, w0, cpu, wall;
	size_t out = 0;
	guint members = 0;

	(void)gen_file; /* benchlib's signature files are not needed here */
	t0 = cpu_now();
	w0 = now();
	for (unsigned int r = 0; r < runs; r++) {
		GPtrArray *m = reader_members_new();

		(void)fn((const unsigned char *)in->str, in->len, NULL, m, NULL);
		members = m->len;
		out = 0;
		for (guint i = 0; i < m->len; i++)
			out += g_bytes_get_size(((struct reader_member *)m->pdata[i])->data);
		g_ptr_array_unref(m);
	}
	cpu = (cpu_now() - t0) / runs;
	wall = (now() - w0) / runs;
	printf("%-44s %5.1f MB in, %u members holding %5.1f MB: %7.1f MB/s, %6.1f ms CPU, "
	       "%6.1f ms wall\n",
	       label, in->len / 1e6, members, out / 1e6, in->len / 1e6 / cpu, cpu * 1e3,
	       wall * 1e3);
}

int main(void)
{
	GString *pdf = make_pdf(), *html = make_html(), *pgp = make_pgp();

	printf("bench_readers: one core, CPU time, mean of 5 runs\n");
	bench("pdf_read (300 streams, 8 embedded x 1 MB)", pdf, pdf_read);
	bench("html_read (atob literal + data: URI)", html, html_read);
	bench("openpgp_read (zlib literal, 12 MB out)", pgp, openpgp_read);
	g_string_free(pdf, TRUE);
	g_string_free(html, TRUE);
	g_string_free(pgp, TRUE);
	return 0;
}
