/*
 * libcheck suite: mime_decode — the decoders (base64 against GLib on random input and line
 * layouts, the vector path byte for byte as the scalar one, base64 stopped at its padding as Python reads it, quoted-printable, uuencode,
 * yEnc, BinHex 4.0 checked against hexbin's output), uuencoded blocks in text in all their
 * forms, the TNEF reader (ClamAV's clam.tnef, and every truncation of it), the mbox iterator.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime/binhex.h"
#include "mime/ctx.h"
#include "mime/decode.h"
#include "mime/decode_simd.h"
#include "mime/tnef.h"
#include "mime/uuencode.h"
#include "mime/yenc.h"
#include "tests/lib/testscan.h"
#include "tests/lib/testutil.h"

static size_t dec(enum mime_enc enc, const char *in, char *out, size_t cap, unsigned int *flags)
{
	return mime_decode(enc, (const unsigned char *)in, strlen(in), (unsigned char *)out, cap,
	                   flags);
}

/* base64 of random bytes in random line layouts decodes to the bytes, never past cap */
START_TEST(test_base64_random)
{
	GRand *r = g_rand_new_with_seed(7);

	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)g_rand_int_range(r, 0, 5000),
		       width = 4 * g_rand_int_range(r, 1, 30);
		unsigned char *raw = g_malloc(n + 1), *out = g_malloc(n + 8);
		char *b;
		GString *s = g_string_new(NULL);
		const char *eol = round % 3 == 0 ? "\n" : round % 3 == 1 ? "\r\n" : " \r\n";
		unsigned int flags;
		size_t got, cap;

		for (size_t i = 0; i < n; i++)
			raw[i] = (unsigned char)g_rand_int(r);
		b = g_base64_encode(raw, n);
		for (size_t i = 0; i < strlen(b); i += width) {
			g_string_append_len(s, b + i, (gssize)MIN(width, strlen(b) - i));
			g_string_append(s, eol);
		}
		got = mime_decode_base64((unsigned char *)s->str, s->len, out, n + 4, &flags);
		ck_assert_uint_eq(got, n);
		ck_assert_uint_eq(flags, 0);
		ck_assert(memcmp(out, raw, n) == 0);
		/* a smaller buffer: exactly cap bytes, the right ones, and FULL */
		cap = n / 2;
		memset(out, 0xaa, n + 8);
		got = mime_decode_base64((unsigned char *)s->str, s->len, out, cap, &flags);
		ck_assert_uint_eq(got, cap);
		ck_assert(n == 0 || (flags & MIME_DECODE_FULL));
		ck_assert(memcmp(out, raw, cap) == 0);
		for (size_t i = cap + MIME_DECODE_SLACK; i < n + 8; i++)
			ck_assert_uint_eq(out[i], 0xaa);
		g_string_free(s, TRUE);
		g_free(b);
		g_free(raw);
		g_free(out);
	}
	g_rand_free(r);
}
END_TEST

/*
 * in (len bytes) through the scalar decoder and through the vector path, the same output and
 * flags; and the vector run alone from the start, on a copy of exactly len bytes into a buffer
 * of exactly cap bytes (under ASan a read past the input or a write past cap is caught), gives
 * a prefix of the scalar output.
 */
static void lines_compare(const char *in, size_t len, size_t cap, const char *what)
{
	unsigned char *exact = g_memdup2(in, len), *o1 = g_malloc(cap + MIME_DECODE_SLACK),
	              *o2 = g_malloc(cap + MIME_DECODE_SLACK), *o3 = g_malloc(cap > 0 ? cap : 1);
	const unsigned char *p = exact;
	unsigned int f1, f2;
	size_t g1, g2, o = 0;

	mime_decode_simd(0);
	g1 = mime_decode_base64(exact, len, o1, cap, &f1);
	mime_decode_simd(1);
	g2 = mime_decode_base64(exact, len, o2, cap, &f2);
	ck_assert_msg(g1 == g2 && f1 == f2 && memcmp(o1, o2, g1) == 0, "%s", what);
	mime_decode_b64_run(&p, exact + len, o3, &o, cap);
	ck_assert_msg(o <= g1 && memcmp(o3, o1, o) == 0, "%s: vector run alone", what);
	g_free(exact);
	g_free(o1);
	g_free(o2);
	g_free(o3);
}

/*
 * The vector path's line mode (lines of one length decoded a line at a time) against the
 * scalar decoder: lines of widths 32 to 128, LF or CRLF, with one byte changed anywhere in
 * a line or its line end (a character outside the alphabet, '=', a line end, a blank), the
 * same lines with one line shorter, longer or ending otherwise, and every cap: same output
 * and flags, nothing read past the input or written past cap.
 */
START_TEST(test_base64_simd_lines)
{
	static const char alpha[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char swaps[] = "*=\r\n A";
	static const size_t widths[] = {32, 36, 44, 64, 72, 76, 96, 100, 128};
	enum { LINES = 12 };

	if (!mime_decode_simd(-1)) {
		fprintf(stderr,
		        "test_base64_simd_lines: no vector path on this CPU, nothing to compare\n");
		return;
	}
	for (size_t w = 0; w < G_N_ELEMENTS(widths); w++) {
		for (size_t eol = 1; eol <= 2; eol++) {
			size_t width = widths[w], stride = width + eol,
			       full = LINES * width / 4 * 3;
			GString *base = g_string_new(NULL);
			char what[96];

			for (size_t l = 0; l < LINES; l++) {
				for (size_t i = 0; i < width; i++)
					g_string_append_c(base, alpha[(l * 31 + i * 7) % 64]);
				g_string_append(base, eol == 2 ? "\r\n" : "\n");
			}
			for (size_t l = 0; l < LINES; l += 3) {
				for (size_t pos = 0; pos < stride; pos++) {
					for (size_t k = 0; k < sizeof(swaps) - 1; k++) {
						GString *s = g_string_new_len(base->str,
						                              (gssize)base->len);

						s->str[l * stride + pos] = swaps[k];
						snprintf(what, sizeof(what),
						         "width %zu eol %zu line %zu pos %zu byte "
						         "%d",
						         width, eol, l, pos, swaps[k]);
						lines_compare(s->str, s->len, full, what);
						g_string_free(s, TRUE);
					}
				}
				/* the line one character shorter, or four longer */
				for (int grow = -1; grow <= 4; grow += 5) {
					GString *s = g_string_new_len(base->str, (gssize)base->len);

					if (grow < 0)
						g_string_erase(s, (gssize)(l * stride), 1);
					else
						g_string_insert_len(s, (gssize)(l * stride), "QUJD",
						                    4);
					snprintf(what, sizeof(what),
					         "width %zu eol %zu line %zu grown %d", width, eol,
					         l, grow);
					lines_compare(s->str, s->len, full + 3, what);
					g_string_free(s, TRUE);
				}
			}
			/* every cap, and the input cut anywhere in its last two lines */
			for (size_t cap = 0; cap <= full; cap++) {
				snprintf(what, sizeof(what), "width %zu eol %zu cap %zu", width,
				         eol, cap);
				lines_compare(base->str, base->len, cap, what);
			}
			for (size_t cut = base->len - 2 * stride; cut <= base->len; cut++) {
				snprintf(what, sizeof(what), "width %zu eol %zu cut at %zu", width,
				         eol, cut);
				lines_compare(base->str, cut, full, what);
			}
			g_string_free(base, TRUE);
		}
	}
}
END_TEST

/*
 * The vector path (where the CPU has one) against the scalar decoder: every byte value at
 * every place of a block is taken or refused as the scalar alphabet says, with the same
 * bytes out; and random base64 with line ends, junk, padding and small caps gives the same
 * output and flags either way.
 */
START_TEST(test_base64_simd)
{
	static const char alpha[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char junk[] = "\r\n\n =.-*\t\x80\xff@[`{:";
	unsigned char block[64], want[48 + MIME_DECODE_SLACK], got[48 + MIME_DECODE_SLACK];
	unsigned char want0[20 * 57 + MIME_DECODE_SLACK];
	GRand *r = g_rand_new_with_seed(11);
	unsigned int f1, f2;

	if (!mime_decode_simd(-1)) {
		fprintf(stderr,
		        "test_base64_simd: no vector path on this CPU, nothing to compare\n");
		g_rand_free(r);
		return;
	}
	for (int c = 0; c < 256; c++) {
		for (int at = 0; at < 32; at++) {
			bool in = strchr(alpha, c) != NULL && c != 0;
			const unsigned char *p = block;
			size_t o = 0, n;

			for (int i = 0; i < 64; i++)
				block[i] = (unsigned char)alpha[(i * 7 + c) % 64];
			block[at] = (unsigned char)c;
			memset(got, 0, sizeof(got));
			mime_decode_simd(0);
			n = mime_decode_base64(block, 64, want, 48, &f1);
			mime_decode_simd(1);
			mime_decode_b64_run(&p, block + 64, got, &o, 48);
			if (in) {
				ck_assert_msg(p == block + 64 && o == 48, "byte %d at %d: %td", c,
				              at, p - block);
			} else if (c != '\r' && c != '\n') {
				/* the groups before the outsider, and nothing past it */
				ck_assert_msg(p - block == (at & ~3) && o == (size_t)(at / 4 * 3),
				              "byte %d at %d: %td", c, at, p - block);
			}
			ck_assert_msg(o <= n && memcmp(got, want, o) == 0, "byte %d at %d", c, at);
		}
	}
	/* 76-column lines with CRLF or LF never leave the vector path (but for the last 32) */
	for (int crlf = 0; crlf < 2; crlf++) {
		GString *lines = g_string_new(NULL);
		unsigned char *o1 = g_malloc(20 * 57 + MIME_DECODE_SLACK);
		const unsigned char *p;
		size_t o = 0;

		for (int l = 0; l < 20; l++) {
			for (int i = 0; i < 76; i++)
				g_string_append_c(lines, alpha[(l * 76 + i) * 5 % 64]);
			g_string_append(lines, crlf ? "\r\n" : "\n");
		}
		p = (const unsigned char *)lines->str;
		mime_decode_b64_run(&p, p + lines->len, o1, &o, 20 * 57);
		ck_assert_int_ge(p - (const unsigned char *)lines->str,
		                 (ptrdiff_t)lines->len - 32 - 78);
		mime_decode_simd(0);
		ck_assert_uint_eq(mime_decode_base64((unsigned char *)lines->str, lines->len, want0,
		                                     20 * 57, &f1),
		                  20 * 57);
		mime_decode_simd(1);
		ck_assert(memcmp(o1, want0, o) == 0);
		g_string_free(lines, TRUE);
		g_free(o1);
	}
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)g_rand_int_range(r, 0, 3000), cap;
		GString *s = g_string_new(NULL);
		unsigned char *o1 = g_malloc(n + MIME_DECODE_SLACK),
		              *o2 = g_malloc(n + MIME_DECODE_SLACK);
		size_t g1, g2, width = (size_t)g_rand_int_range(r, 1, 120);

		for (size_t i = 0; i < n; i++) {
			if (i > 0 && i % width == 0)
				g_string_append(s, round % 2 ? "\r\n" : "\n");
			if (g_rand_int_range(r, 0, 400) == 0)
				g_string_append_c(
				        s, junk[g_rand_int_range(r, 0, (gint32)sizeof(junk) - 1)]);
			else
				g_string_append_c(s, alpha[g_rand_int_range(r, 0, 64)]);
		}
		cap = round % 4 == 0 ? (size_t)g_rand_int_range(r, 0, (gint32)n + 1) : n;
		memset(o1, 0x55, n + MIME_DECODE_SLACK);
		memset(o2, 0x55, n + MIME_DECODE_SLACK);
		mime_decode_simd(0);
		g1 = mime_decode_base64((unsigned char *)s->str, s->len, o1, cap, &f1);
		mime_decode_simd(1);
		g2 = mime_decode_base64((unsigned char *)s->str, s->len, o2, cap, &f2);
		ck_assert_uint_eq(g1, g2);
		ck_assert_uint_eq(f1, f2);
		ck_assert(memcmp(o1, o2, g1) == 0);
		for (size_t i = cap + MIME_DECODE_SLACK; i < n + MIME_DECODE_SLACK; i++)
			ck_assert_uint_eq(o2[i], 0x55);
		g_string_free(s, TRUE);
		g_free(o1);
		g_free(o2);
	}
	g_rand_free(r);
}
END_TEST

static void each_append(void *arg, const unsigned char *bytes, size_t n)
{
	g_byte_array_append(arg, bytes, (guint)n);
}

/*
 * base64 decoded with each (the pieces handed on as they are final): the same bytes and
 * flags as without, and the pieces, in order, are the output.
 */
START_TEST(test_base64_each)
{
	static const char alpha[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char junk[] = "\r\n =.-*\t\x80@";
	GRand *r = g_rand_new_with_seed(5);

	for (int round = 0; round < 24; round++) {
		size_t n = (size_t)g_rand_int_range(r, 1, 1200000),
		       width = 4 * (round % 20 + 1) + round % 3;
		GString *s = g_string_new(NULL);
		unsigned char *o1 = g_malloc(n + MIME_DECODE_SLACK),
		              *o2 = g_malloc(n + MIME_DECODE_SLACK);
		GByteArray *pieces = g_byte_array_new();
		unsigned int f1, f2;
		size_t g1, g2, cap;

		for (size_t i = 0; i < n; i++) {
			if (i > 0 && i % width == 0)
				g_string_append(s, round % 2 ? "\r\n" : "\n");
			if (round % 4 == 3 && g_rand_int_range(r, 0, 5000) == 0)
				g_string_append_c(
				        s, junk[g_rand_int_range(r, 0, (gint32)sizeof(junk) - 1)]);
			else
				g_string_append_c(s, alpha[g_rand_int_range(r, 0, 64)]);
		}
		cap = round % 5 == 4 ? n / 3 : n;
		g1 = mime_decode_base64((unsigned char *)s->str, s->len, o1, cap, &f1);
		g2 = mime_decode_base64_each((unsigned char *)s->str, s->len, o2, cap, &f2,
		                             each_append, pieces);
		ck_assert_uint_eq(g1, g2);
		ck_assert_uint_eq(f1, f2);
		ck_assert(memcmp(o1, o2, g1) == 0);
		ck_assert_uint_eq(pieces->len, g1);
		ck_assert(g1 == 0 || memcmp(pieces->data, o1, g1) == 0);
		g_byte_array_free(pieces, TRUE);
		g_string_free(s, TRUE);
		g_free(o1);
		g_free(o2);
	}
	g_rand_free(r);
}
END_TEST

START_TEST(test_base64_edges)
{
	char out[64];
	unsigned int flags;

	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGVsbG8=", out, 60, &flags), 5);
	ck_assert(memcmp(out, "hello", 5) == 0 && flags == 0);
	/* no padding: taken as if padded */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGVsbG8", out, 60, &flags), 5);
	ck_assert_uint_eq(flags, 0);
	/* junk characters are skipped and flagged */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGV*sbG8=", out, 60, &flags), 5);
	ck_assert(memcmp(out, "hello", 5) == 0);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD);
	/* data after padding: decoded as a new run, flagged */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGk=\r\naGk=", out, 60, &flags), 4);
	ck_assert(memcmp(out, "hihi", 4) == 0);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD | MIME_DECODE_PAD);
	/* a lone character at the end */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGVsbG8hI", out, 60, &flags), 6);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD);
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "", out, 60, &flags), 0);
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "\r\n\r\n====", out, 60, &flags), 0);
}
END_TEST

START_TEST(test_qp)
{
	char out[128];
	unsigned int flags;
	size_t n;

	n = dec(MIME_ENC_QP, "caf=C3=A9 =3D soft=\r\nbreak=  \nend=", out, sizeof(out), &flags);
	ck_assert_uint_eq(n, strlen("caf\xc3\xa9 = softbreakend"));
	ck_assert(memcmp(out, "caf\xc3\xa9 = softbreakend", n) == 0);
	ck_assert_uint_eq(flags, MIME_DECODE_QP_EQ_BLANK); /* "=  \n": others keep it */
	n = dec(MIME_ENC_QP, "50=%off =e9", out, sizeof(out), &flags);
	ck_assert(memcmp(out, "50=%off \xe9", n) == 0);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD | MIME_DECODE_QP_LOWER);
	n = dec(MIME_ENC_QP, "soft=\r\nbreak=3D=E9", out, sizeof(out), &flags);
	ck_assert_uint_eq(flags, 0);
	n = dec(MIME_ENC_QP, "abcdef", out, 3, &flags);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(flags, MIME_DECODE_FULL);
}
END_TEST

/* The other quoted-printable readings, and which bytes call for them. */
START_TEST(test_qp_readings)
{
	static const struct {
		enum mime_enc enc;
		const char *want;
	} cases[] = {
	        {MIME_ENC_QP, "a \t\nb=cd\xfe=3d"},
	        {MIME_ENC_QP_KEEP, "a \t\nb=c=  \nd\xfe=3d"},
	        {MIME_ENC_QP_RFC, "a\nb=cd\xfe=3d"},
	        {MIME_ENC_QP_STRICT, "a\nb=3dcd=fe=3d3d"},
	};
	const char *in = "a \t\nb=3dc=  \nd=fe=3d3d";
	char out[128];
	unsigned int flags;
	size_t n;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		n = dec(cases[i].enc, in, out, sizeof(out), &flags);
		ck_assert_msg(n == strlen(cases[i].want) && memcmp(out, cases[i].want, n) == 0,
		              "reading %zu: %.*s", i, (int)n, out);
	}
	ck_assert_uint_eq(mime_decode_qp_variants((const unsigned char *)in, strlen(in)),
	                  MIME_QP_KEEP_EQ_BLANK | MIME_QP_STRIP | MIME_QP_UPPER);
	ck_assert(mime_decode_qp_trailing((const unsigned char *)in, strlen(in)));
	ck_assert(!mime_decode_qp_trailing((const unsigned char *)"a=  \r\nb\r\n", 9));
	ck_assert(mime_decode_qp_trailing((const unsigned char *)"a\r\nb\t", 5));
	/* what well-formed quoted-printable has: none of them */
	in = "caf=C3=A9 =3D soft=\r\nbreak=\r\nend=20\r\n";
	ck_assert_uint_eq(mime_decode_qp_variants((const unsigned char *)in, strlen(in)), 0);
	/* "=" before blanks is a soft break either way when the blanks are deleted */
	in = "soft=  \nend";
	ck_assert_uint_eq(mime_decode_qp_variants((const unsigned char *)in, strlen(in)),
	                  MIME_QP_KEEP_EQ_BLANK);
	n = dec(MIME_ENC_QP_STRICT, "abcdef", out, 3, &flags);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(flags, MIME_DECODE_FULL);
}
END_TEST

/* uuencode as uuencode(1) writes it, with '`' for zero. */
static char *uuencode(const unsigned char *d, size_t n, const char *name)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "begin 644 %s\n", name);
	for (size_t i = 0; i < n; i += 45) {
		size_t k = MIN(45, n - i);

		g_string_append_c(s, (char)(32 + k));
		for (size_t j = 0; j < k; j += 3) {
			unsigned int v = (unsigned int)d[i + j] << 16 |
			                 (j + 1 < k ? (unsigned int)d[i + j + 1] << 8 : 0) |
			                 (j + 2 < k ? d[i + j + 2] : 0);

			for (int b = 18; b >= 0; b -= 6) {
				unsigned int c = (v >> b) & 63;

				g_string_append_c(s, c == 0 ? '`' : (char)(32 + c));
			}
		}
		g_string_append_c(s, '\n');
	}
	g_string_append(s, "`\nend\n");
	return g_string_free(s, FALSE);
}

START_TEST(test_uuencode)
{
	unsigned char raw[1000], out[1100];
	char *text, *uu;
	struct mime_uu_block b;
	unsigned int flags;
	size_t pos = 0, n;

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 3);
	uu = uuencode(raw, sizeof(raw), "data file.bin");
	text = g_strconcat("Hello,\nbegin here is not a block\nbeginner\n\n", uu, "\nbye\n", NULL);
	ck_assert(mime_uu_next((unsigned char *)text, strlen(text), &pos, &b));
	ck_assert_str_eq(b.name, "data file.bin");
	ck_assert(b.closed && !b.base64);
	ck_assert_uint_eq(b.end - b.begin, strlen(uu));
	n = mime_decode(MIME_ENC_UU, (unsigned char *)text + b.begin, b.end - b.begin, out,
	                sizeof(out), &flags);
	ck_assert_uint_eq(n, sizeof(raw));
	ck_assert_uint_eq(flags, 0);
	ck_assert(memcmp(out, raw, n) == 0);
	ck_assert(!mime_uu_next((unsigned char *)text, strlen(text), &pos, &b));
	/* no "end": the block stops at the first line that is not uuencoded data */
	g_free(text);
	text = g_strconcat("begin 600 x\n", "#86)C\n", "and text again\n", NULL);
	pos = 0;
	ck_assert(mime_uu_next((unsigned char *)text, strlen(text), &pos, &b));
	ck_assert(!b.closed);
	ck_assert_uint_eq(b.end, strlen("begin 600 x\n#86)C\n"));
	n = mime_decode(MIME_ENC_UU, (unsigned char *)text, b.end, out, sizeof(out), &flags);
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(out, "abc", 3) == 0);
	ck_assert(mime_uu_begin_line((unsigned char *)"begin-base64 644 f", 18));
	ck_assert(!mime_uu_begin_line((unsigned char *)"begin 64 f", 10));
	ck_assert(!mime_uu_begin_line((unsigned char *)"begin 644", 9));
	g_free(text);
	g_free(uu);
}
END_TEST

/* base64 read as Python's binascii reads it (the values are Python's b64decode) */
START_TEST(test_base64_stop)
{
	static const struct {
		const char *in, *out;
		unsigned int flags;
	} cases[] = {
	        {"aGk=aGk=", "hi", MIME_DECODE_BAD | MIME_DECODE_PAD},
	        {"QUJD=RA==", "ABCD", 0},                /* '=' after a whole group: not padding */
	        {"aGV*sbG8=", "hello", MIME_DECODE_BAD}, /* junk skipped */
	        {"aG=k=", "hi", 0},                      /* one '=' of two, then data: read on */
	        {"aGk==\r\n\r\n", "hi", 0},
	        {"aGk=\r\nZm9v\r\n", "hi", MIME_DECODE_BAD | MIME_DECODE_PAD},
	};
	char out[64];
	unsigned int flags;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t n = dec(MIME_ENC_BASE64_STOP, cases[i].in, out, 60, &flags);

		ck_assert_uint_eq(n, strlen(cases[i].out));
		ck_assert(memcmp(out, cases[i].out, n) == 0);
		ck_assert_uint_eq(flags, cases[i].flags);
	}
	/* the reading of the part itself decodes on, and says a reader may stop */
	ck_assert_uint_eq(dec(MIME_ENC_BASE64, "aGk=\r\nZm9v\r\n", out, 60, &flags), 5);
	ck_assert(flags & MIME_DECODE_PAD);
	ck_assert_uint_eq(dec(MIME_ENC_BASE64_STOP, "aGVsbG8=", out, 3, &flags), 3);
	ck_assert(flags & MIME_DECODE_FULL);
}
END_TEST

/* base64 declared as plain data: taken when clearly base64, and nothing else */
START_TEST(test_looks_base64)
{
	static const char *const yes[] = {
	        "\nSGVsbG8sIHdvcmxkIQ==\n",
	        "SGVsbG8sIHdvcmxkISEh\r\n\r\n",
	};
	static const char *const no[] = {
	        "Hello, world\r\n",
	        "0123456789012345678901234567890123456789\r\n", /* digits only */
	        "SGVsbG8sIHdvcmxkIQ==\nSGVsbG8sIHdvcmxkIQ==\n", /* data after padding */
	        "SGVsbG8sIHdvcmxkIQ\nSGVsbG8sIHdvcmxkIQ==\n",   /* a longer line after */
	        "SGVsbG8s\n",                                   /* too short */
	        "SGVsbG8sIHdvcmxkIQ==\n\nmore text\n",
	        "",
	};
	GString *wide = g_string_new(NULL);

	unsigned char raw[500];
	char *b64;

	/* 76 columns, the last line short and padded */
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 5);
	b64 = testscan_base64_lines(raw, sizeof(raw), "\r\n");
	g_string_append(wide, b64);
	ck_assert(mime_decode_looks_base64((const unsigned char *)wide->str, wide->len));
	g_string_truncate(wide, 0);
	g_free(b64);
	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
		ck_assert_msg(
		        mime_decode_looks_base64((const unsigned char *)yes[i], strlen(yes[i])),
		        "%zu", i);
	for (size_t i = 0; i < G_N_ELEMENTS(no); i++)
		ck_assert_msg(
		        !mime_decode_looks_base64((const unsigned char *)no[i], strlen(no[i])),
		        "%zu", i);
	for (int i = 0; i < 250; i++)
		g_string_append(wide, "QUJj");
	ck_assert(!mime_decode_looks_base64((const unsigned char *)wide->str, wide->len));
	g_string_free(wide, TRUE);
}
END_TEST

/* uuencode as uudeview reads it: no mode, no name, blank lines, double spacing */
START_TEST(test_uu_forms)
{
	static const char *const heads[] = {"begin 644\n", "begin data.bin\n",
	                                    "begin  0644  a b\n"};
	static const char *const names[] = {"", "data.bin", "a b"};
	unsigned char raw[200], out[300];
	struct mime_uu_block b;
	unsigned int flags;
	size_t pos, n;
	char *uu, *body, **lines, *text;
	GString *dbl = g_string_new(NULL), *gap = g_string_new(NULL);

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 13 + 1);
	uu = uuencode(raw, sizeof(raw), "x");
	body = strchr(uu, '\n') + 1; /* the data lines and "end" */
	for (size_t i = 0; i < G_N_ELEMENTS(heads); i++) {
		text = g_strconcat("Hi,\n", heads[i], body, "bye\n", NULL);
		pos = 0;
		ck_assert_msg(mime_uu_next((unsigned char *)text, strlen(text), &pos, &b), "%s",
		              heads[i]);
		ck_assert_str_eq(b.name, names[i]);
		n = mime_decode(MIME_ENC_UU, (unsigned char *)text + b.begin, b.end - b.begin, out,
		                sizeof(out), &flags);
		ck_assert_uint_eq(n, sizeof(raw));
		ck_assert(memcmp(out, raw, n) == 0);
		g_free(text);
	}
	/* double-spaced, and a gap of blank lines inside */
	lines = g_strsplit(uu, "\n", -1);
	for (size_t i = 0; lines[i] != NULL; i++) {
		g_string_append_printf(dbl, "%s\n\n", lines[i]);
		g_string_append_printf(gap, "%s\n%s", lines[i], i == 2 ? "\n\n\n" : "");
	}
	g_strfreev(lines);
	for (int k = 0; k < 2; k++) {
		GString *s = k == 0 ? dbl : gap;

		pos = 0;
		ck_assert(mime_uu_next((unsigned char *)s->str, s->len, &pos, &b));
		ck_assert(b.closed);
		n = mime_decode(MIME_ENC_UU, (unsigned char *)s->str + b.begin, b.end - b.begin,
		                out, sizeof(out), &flags);
		ck_assert_uint_eq(n, sizeof(raw));
		ck_assert(memcmp(out, raw, n) == 0);
	}
	/* a loose "begin" line with text after it is no block; a bare "begin" neither */
	text = g_strconcat("begin here\n\nsome text\n", "begin\n", body, NULL);
	pos = 0;
	ck_assert(!mime_uu_next((unsigned char *)text, strlen(text), &pos, &b));
	g_free(text);
	g_string_free(dbl, TRUE);
	g_string_free(gap, TRUE);
	g_free(uu);
}
END_TEST

/* A yEnc encoder for the test: escapes NUL, LF, CR, '=', and blanks and '.' at line start. */
static GString *yencode(const unsigned char *data, size_t n, const char *name)
{
	GString *s = g_string_new(NULL);
	size_t col = 0;

	g_string_append_printf(s, "=ybegin line=64 size=%zu name=%s\r\n", n, name);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(data[i] + 42);

		if (c == 0 || c == '\n' || c == '\r' || c == '=' ||
		    (col == 0 && (c == ' ' || c == '\t' || c == '.'))) {
			g_string_append_c(s, '=');
			c = (unsigned char)(c + 64);
			col++;
		}
		g_string_append_c(s, (char)c);
		if (++col >= 64) {
			g_string_append(s, "\r\n");
			col = 0;
		}
	}
	g_string_append_printf(s, "\r\n=yend size=%zu\r\n", n);
	return s;
}

START_TEST(test_yenc)
{
	unsigned char raw[3000], out[3100];
	struct mime_yenc_block b;
	unsigned int flags;
	size_t pos = 0, n;
	GString *y, *text;

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 37 + (i >> 8)); /* every byte value, escapes too */
	y = yencode(raw, sizeof(raw), "my file.bin");
	text = g_string_new("Hello\r\n=ybeginner\r\n");
	g_string_append(text, y->str);
	g_string_append(text, "bye\r\n");
	ck_assert(mime_yenc_next((unsigned char *)text->str, text->len, &pos, &b));
	ck_assert_str_eq(b.name, "my file.bin");
	ck_assert(b.closed);
	ck_assert_uint_eq(b.end - b.begin, y->len);
	n = mime_yenc_decode((unsigned char *)text->str + b.begin, b.end - b.begin, out,
	                     sizeof(out), &flags);
	ck_assert_uint_eq(n, sizeof(raw));
	ck_assert_uint_eq(flags, 0);
	ck_assert(memcmp(out, raw, n) == 0);
	ck_assert(!mime_yenc_next((unsigned char *)text->str, text->len, &pos, &b));
	/* cut at cap */
	n = mime_yenc_decode((unsigned char *)y->str, y->len, out, 100, &flags);
	ck_assert_uint_eq(n, 100);
	ck_assert(flags & MIME_DECODE_FULL);
	/* every truncation: bounded, flagged without its "=yend" */
	for (size_t cut = 0; cut < y->len; cut += 7) {
		n = mime_yenc_decode((unsigned char *)y->str, cut, out, sizeof(out), &flags);
		ck_assert_uint_le(n, sizeof(raw));
		ck_assert(memcmp(out, raw, n) == 0 || n > 0);
	}
	g_string_free(y, TRUE);
	g_string_free(text, TRUE);
}
END_TEST

/* made by tests/cli/encodings_gen.py; hexbin -3 gives these data and resource forks */
static const char hqx[] = "(This file must be converted with BinHex 4.0)\n"
                          ":\"@%ZG(Kd!%**6N%rN!3!N!8@!!!!\"9HFD'9XE'mJBQPZD'9iN!#3!!#3\"b'GiR*\n"
                          "cFQ-KA2i:\n";
static const unsigned char hqx_data[] = "hello binhex\x90\x90\0\0\0\0\0\0\0!";

/* "abcdefghij" in parts at offsets: out of order, overlapping, a part missing */
START_TEST(test_yenc_join)
{
	static const char *const text =
	        "=ybegin part=2 total=3 size=10 name=f\n=ypart begin=5 end=8\n\x8f\x90\x91\x92\n"
	        "=yend size=4 crc32=00000000\n"
	        "=ybegin part=1 total=3 size=10 name=f\n=ypart begin=1 end=6\n"
	        "\x8b\x8c\x8d\x8e\x8f\x90\n=yend size=6\n"
	        "=ybegin part=9 size=10 name=f\n=ypart begin=20 end=30\nxx\n=yend\n";
	const unsigned char *t = (const unsigned char *)text;
	struct mime_yenc_block b[3];
	const struct mime_yenc_block *sorted[3];
	unsigned char out[10];
	unsigned int flags;
	size_t pos = 0, n;

	for (int i = 0; i < 3; i++)
		ck_assert(mime_yenc_next(t, strlen(text), &pos, &b[i]));
	ck_assert(b[0].part && b[0].size == 10 && b[0].pbegin == 5 && b[0].pend == 8);
	ck_assert(b[0].has_crc && b[0].crc32 == 0 && !b[1].has_crc);
	sorted[0] = &b[1];
	sorted[1] = &b[0];
	memset(out, '.', sizeof(out));
	n = mime_yenc_join(t, sorted, 2, out, sizeof(out), &flags);
	ck_assert_uint_eq(n, 8); /* bytes 9 and 10: in no part */
	ck_assert(memcmp(out, "abcdefgh..", 10) == 0);
	ck_assert_uint_eq(flags, 0);
	/* a part past the file's size: not joined, flagged */
	sorted[2] = &b[2];
	n = mime_yenc_join(t, sorted, 3, out, sizeof(out), &flags);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(flags, MIME_DECODE_BAD);
}
END_TEST

START_TEST(test_binhex)
{
	struct mime_binhex_info info;
	struct mime_binhex_block b;
	unsigned char out[64];
	unsigned int flags;
	size_t pos = 0, n;
	char *text = g_strconcat("Hello,\n\n", hqx, "\nbye\n", NULL);

	ck_assert(mime_binhex_next((unsigned char *)text, strlen(text), &pos, &b));
	ck_assert(b.closed);
	ck_assert_int_eq(mime_binhex_info((unsigned char *)text + b.begin, b.end - b.begin, &info),
	                 0);
	ck_assert_str_eq(info.name, "a.txt");
	ck_assert_uint_eq(info.data_len, sizeof(hqx_data) - 1);
	ck_assert_uint_eq(info.rsrc_len, 5);
	n = mime_binhex_decode((unsigned char *)text + b.begin, b.end - b.begin, false, out,
	                       sizeof(out), &flags);
	ck_assert_uint_eq(n, sizeof(hqx_data) - 1);
	ck_assert(memcmp(out, hqx_data, n) == 0);
	ck_assert_uint_eq(flags, 0);
	n = mime_binhex_decode((unsigned char *)text + b.begin, b.end - b.begin, true, out,
	                       sizeof(out), &flags);
	ck_assert_uint_eq(n, 5);
	ck_assert(memcmp(out, "rsrc!", 5) == 0);
	ck_assert_uint_eq(flags, 0);
	ck_assert_uint_eq(mime_decode_bound(MIME_ENC_BINHEX, (unsigned char *)hqx, strlen(hqx)),
	                  sizeof(hqx_data) - 1);
	ck_assert(!mime_binhex_next((unsigned char *)text, strlen(text), &pos, &b));
	/* a changed character: the CRC says so */
	text[strlen("Hello,\n\n(This file must be converted with BinHex 4.0)\n:\"@%ZG(Kd!%**")] ^=
	        1;
	mime_binhex_decode((unsigned char *)text + b.begin, strlen(text) - b.begin, false, out,
	                   sizeof(out), &flags);
	ck_assert(flags & MIME_DECODE_BAD);
	/* every truncation: bounded, short data flagged */
	for (size_t cut = 0; cut < strlen(hqx); cut++) {
		n = mime_binhex_decode((unsigned char *)hqx, cut, false, out, sizeof(out), &flags);
		ck_assert_uint_le(n, sizeof(hqx_data) - 1);
		ck_assert(n == sizeof(hqx_data) - 1 || (flags & MIME_DECODE_BAD));
	}
	g_free(text);
}
END_TEST

START_TEST(test_tnef_clam)
{
	char *path = testutil_clamav_file("clam.tnef"),
	     *exe_path = testutil_clamav_file("clam.exe");
	size_t len, exe_len;
	char *data = testutil_read(path, &len), *exe = testutil_read(exe_path, &exe_len);
	struct mime_tnef_iter it;
	struct mime_tnef_att att;

	ck_assert(mime_tnef_init(&it, (unsigned char *)data, len));
	ck_assert_int_eq(mime_tnef_next(&it, &att), 1);
	ck_assert_uint_eq(att.size, exe_len);
	ck_assert(memcmp(att.data, exe, exe_len) == 0);
	ck_assert_uint_eq(att.title_len, 8);
	ck_assert(memcmp(att.title, "clam.exe", 8) == 0);
	ck_assert_int_eq(mime_tnef_next(&it, &att), 0);
	ck_assert_uint_eq(it.codepage, 1250);
	/* every truncation: bounded, no crash, the attachment only when it is complete */
	for (size_t cut = 0; cut < len; cut++) {
		int r, n = 0;

		if (!mime_tnef_init(&it, (unsigned char *)data, cut))
			continue;
		while ((r = mime_tnef_next(&it, &att)) == 1) {
			ck_assert((const char *)att.data + att.size <= data + cut);
			n++;
		}
		ck_assert_int_le(n, 1);
	}
	ck_assert(!mime_tnef_init(&it, (unsigned char *)"MZ", 2));
	g_free(data);
	g_free(exe);
	g_free(path);
	g_free(exe_path);
}
END_TEST

START_TEST(test_mbox)
{
	static const char box[] =
	        "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody one\n"
	        "From here on, not a separator\n\n"
	        "From c@d Mon Jan  1 00:00:01 2024\r\nSubject: two\r\n\r\nbody\r\n"
	        "\r\nFrom e@f Mon Jan  1 00:00:02 2024\nSubject: three\n";
	struct msg_mbox_iter it;
	const unsigned char *m;
	size_t n;

	msg_mbox_init(&it, (const unsigned char *)box, sizeof(box) - 1);
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert(g_str_has_prefix((const char *)m, "Subject: one\n"));
	ck_assert_uint_eq(n, strlen("Subject: one\n\nbody one\nFrom here on, not a separator\n"));
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert_uint_eq(n, strlen("Subject: two\r\n\r\nbody\r\n"));
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert_uint_eq(n, strlen("Subject: three\n"));
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 0);
	ck_assert_uint_eq(it.index, 3);
	/* not an mbox: the whole buffer is one message */
	msg_mbox_init(&it, (const unsigned char *)"Subject: x\n\ny\n", 14);
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 1);
	ck_assert_uint_eq(n, 14);
	ck_assert_int_eq(msg_mbox_next(&it, &m, &n), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime_decode");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_base64_random);
	tcase_add_test(tc, test_base64_simd);
	tcase_add_test(tc, test_base64_simd_lines);
	tcase_add_test(tc, test_base64_each);
	tcase_add_test(tc, test_base64_edges);
	tcase_add_test(tc, test_qp);
	tcase_add_test(tc, test_qp_readings);
	tcase_add_test(tc, test_uuencode);
	tcase_add_test(tc, test_base64_stop);
	tcase_add_test(tc, test_looks_base64);
	tcase_add_test(tc, test_uu_forms);
	tcase_add_test(tc, test_yenc);
	tcase_add_test(tc, test_yenc_join);
	tcase_add_test(tc, test_binhex);
	tcase_add_test(tc, test_tnef_clam);
	tcase_add_test(tc, test_mbox);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
