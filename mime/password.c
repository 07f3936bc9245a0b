/*
 * password: password candidates from the message text, for encrypted archive members.
 *
 * A candidate is the word after a keyword ("password", "passwort", "pw", "mot de passe",
 * "contraseña", "пароль", ...: case-insensitive, at a word boundary, not followed by a letter)
 * and a separator (':' '=' '：' "is", or a dash between spaces: "pass - 7781"), with quotes
 * and brackets around it and trailing punctuation taken off (the word as written is tried too
 * when it differs). Without a separator ("PW 7781" in a subject, the word alone on the line
 * after the keyword, the next cell of an HTML table) the word must hold a digit, so that
 * "password protected" gives nothing. HTML bodies are searched with their tags as line
 * breaks and the common entities decoded.
 *
 * Limits: MIME_PW_MAX candidates of at most MIME_PW_MAX_LEN bytes per message, the first
 * MIME_PW_TEXT_BYTES decoded bytes of at most MIME_PW_BODIES bodies; the work is done once per
 * message, and only when an encrypted member is met. The bodies are not decoded again for it:
 * plain ones are read in place, encoded ones as their scan decoded them (a reference, or a copy
 * of the first MIME_PW_TEXT_BYTES of a longer one; MIME_PW_BODIES per message walked); a body
 * not scanned yet is decoded here and its scan takes that text when it is all of the body.
 * Thread safety: per call.
 */

#include "mime/password.h"
#include "mime/walk.h"

#include <string.h>

/* Lower-case keywords, longest first where one starts another. */
static const char *const pw_keywords[] = {
        "password",    "passwort", "passwd",       "passcode",   "pass",       "pwd",
        "pw",          "kennwort", "mot de passe", "mdp",        "contraseña", "contrasena",
        "clave",       "senha",    "parola",       "wachtwoord", "lösenord",   "salasana",
        "hasło",       "haslo",    "heslo",        "jelszó",     "şifre",      "sifre",
        "пароль",      "密码",     "密碼",         "パスワード", "비밀번호",   "암호",
        "kod",         "passord",  "adgangskode",  "lozinka",    "geslo",      "parolă",
        "parool",      "parole",   "slaptažodis",  "парола",     "κωδικός",    "סיסמה",
        "كلمة المرور", "mật khẩu", "kata sandi",   "katalaluan", "lösen"};

void mime_password_free(gpointer data)
{
	struct mime_password *pw = data;

	g_free(pw->text);
	g_free(pw->source);
	g_free(pw);
}

/* The length of keyword kw matched case-insensitively at s (end e), or 0. */
static size_t pw_match(const char *s, const char *e, const char *kw)
{
	const char *p = s;

	while (*kw != '\0') {
		gunichar want = g_utf8_get_char(kw), got;

		if (p >= e)
			return 0;
		got = g_utf8_get_char_validated(p, e - p);
		if (got == (gunichar)-1 || got == (gunichar)-2 || g_unichar_tolower(got) != want)
			return 0;
		p = g_utf8_next_char(p);
		kw = g_utf8_next_char(kw);
	}
	return (size_t)(p - s);
}

static bool pw_space(gunichar c)
{
	return g_unichar_isspace(c) || c == 0xa0;
}

/*
 * After a keyword: the separator and the spaces around it, up to the word; NULL when there is
 * none. *loose_r: no separator was written; *lines_r: line breaks crossed.
 */
static const char *pw_separator(const char *p, const char *e, bool *loose_r, int *lines_r)
{
	bool sep = false;
	int lines = 0;

	while (p < e) {
		gunichar c = g_utf8_get_char_validated(p, e - p);
		const char *next;

		if (c == (gunichar)-1 || c == (gunichar)-2)
			return NULL;
		next = g_utf8_next_char(p);
		if (!sep && (c == ':' || c == '=' || c == 0xff1a)) {
			sep = true;
		} else if (!sep && c == 'i' && e - p > 2 && p[1] == 's' &&
		           (p[2] == ' ' || p[2] == '\t')) {
			sep = true;
			next = p + 2;
		} else if (!sep && (c == '-' || c == 0x2013 || c == 0x2014) && next < e &&
		           pw_space(g_utf8_get_char_validated(next, e - next))) {
			sep = true;
		} else if (c == '\n' && ++lines > 2) {
			return NULL;
		} else if (!pw_space(c)) {
			*loose_r = !sep;
			*lines_r = lines;
			return p;
		}
		p = next;
	}
	return NULL;
}

/* A word given without a separator: it holds a digit, and on a line of its own if it is below. */
static bool pw_loose_ok(const char *b, const char *end, const char *w, const char *e, int lines)
{
	bool digit = false;

	for (const char *q = b; q < end; q++)
		digit |= g_ascii_isdigit(*q);
	if (!digit)
		return false;
	for (const char *q = w; lines > 0 && q < e && *q != '\n'; q++)
		if (!g_ascii_isspace(*q))
			return false;
	return true;
}

static bool pw_open_quote(gunichar c)
{
	return (c < 0x80 && c != 0 && strchr("\"'([{", (int)c) != NULL) || c == 0x201c ||
	       c == 0x2018 || c == 0xab || c == 0x201e;
}

static bool pw_trailing(gunichar c)
{
	return (c < 0x80 && c != 0 && strchr("\"'.,;:)]>}", (int)c) != NULL) || c == 0x201d ||
	       c == 0x2019 || c == 0xbb;
}

static void pw_add(GPtrArray *out, unsigned int max, const char *s, size_t n, const char *source)
{
	struct mime_password *pw;

	if (n == 0 || n > MIME_PW_MAX_LEN || out->len >= max ||
	    !g_utf8_validate(s, (gssize)n, NULL))
		return;
	for (guint i = 0; i < out->len; i++) {
		const struct mime_password *o = out->pdata[i];

		if (strlen(o->text) == n && memcmp(o->text, s, n) == 0)
			return;
	}
	pw = g_new0(struct mime_password, 1);
	pw->text = g_strndup(s, n);
	pw->source = g_strdup(source);
	g_ptr_array_add(out, pw);
}

/* The word at p: as written and without the quotes and punctuation around it. */
static void pw_word(const char *p, const char *e, bool loose, int lines, const char *source,
                    GPtrArray *out, unsigned int max)
{
	const char *b = p, *w, *end;
	gunichar c = g_utf8_get_char_validated(p, e - p);

	if (pw_open_quote(c))
		b = g_utf8_next_char(p);
	for (w = b; w < e;) {
		c = g_utf8_get_char_validated(w, e - w);
		if (c == (gunichar)-1 || c == (gunichar)-2 || pw_space(c) || c == '<')
			break;
		w = g_utf8_next_char(w);
	}
	end = w;
	while (end > b) {
		const char *prev = g_utf8_find_prev_char(b, end);

		if (prev == NULL || !pw_trailing(g_utf8_get_char(prev)))
			break;
		end = prev;
	}
	if (loose && !pw_loose_ok(b, end, w, e, lines))
		return;
	pw_add(out, max, b, (size_t)(end - b), source);
	pw_add(out, max, p, (size_t)(w - p), source);
}

static bool pw_wordchar(gunichar c)
{
	return g_unichar_isalnum(c) || c == '_';
}

static void pw_search(const char *s, size_t len, const char *source, GPtrArray *out,
                      unsigned int max)
{
	const char *e = s + len, *p = s;
	gunichar prev = 0;

	while (p < e && out->len < max) {
		gunichar c = g_utf8_get_char_validated(p, e - p);

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			p++;
			prev = 0;
			continue;
		}
		for (size_t k = 0; !pw_wordchar(prev) && k < G_N_ELEMENTS(pw_keywords); k++) {
			size_t n = pw_match(p, e, pw_keywords[k]);
			const char *after = p + n, *word;
			bool loose = false;
			int lines = 0;

			if (n == 0 ||
			    (after < e && pw_wordchar(g_utf8_get_char_validated(after, e - after))))
				continue;
			word = pw_separator(after, e, &loose, &lines);
			if (word != NULL)
				pw_word(word, e, loose, lines, source, out, max);
			break;
		}
		prev = c;
		p = g_utf8_next_char(p);
	}
}

/* HTML as text: tags dropped (as a line break: a table cell is a line), entities decoded. */
static char *pw_html_text(const char *s, size_t len)
{
	static const char *const ent[][2] = {{"&nbsp;", " "}, {"&amp;", "&"},   {"&lt;", "<"},
	                                     {"&gt;", ">"},   {"&quot;", "\""}, {"&#39;", "'"},
	                                     {"&apos;", "'"}};
	GString *out = g_string_sized_new(len);
	size_t i = 0;

	while (i < len) {
		if (s[i] == '<') {
			const char *gt = memchr(s + i, '>', len - i);

			if (out->len == 0 || out->str[out->len - 1] != '\n')
				g_string_append_c(out, '\n'); /* tags in a row: one break */
			i = gt != NULL ? (size_t)(gt - s) + 1 : len;
			continue;
		}
		if (s[i] == '&') {
			size_t k;

			for (k = 0; k < G_N_ELEMENTS(ent); k++) {
				size_t n = strlen(ent[k][0]);

				if (len - i >= n && g_ascii_strncasecmp(s + i, ent[k][0], n) == 0) {
					g_string_append(out, ent[k][1]);
					i += n;
					break;
				}
			}
			if (k < G_N_ELEMENTS(ent))
				continue;
		}
		g_string_append_c(out, s[i++]);
	}
	return g_string_free(out, FALSE);
}

void mime_password_find(const char *text, size_t len, bool html, const char *source, GPtrArray *out,
                        unsigned int max)
{
	char *plain = html ? pw_html_text(text, len) : NULL;

	if (max > MIME_PW_MAX)
		max = MIME_PW_MAX;
	pw_search(plain != NULL ? plain : text, plain != NULL ? strlen(plain) : len, source, out,
	          max);
	g_free(plain);
}

void mime_password_text_clear(gpointer text)
{
	g_bytes_unref(((struct mime_text *)text)->bytes);
}

/* A text body of the walk, encoded (its decoded text is kept). */
static bool pw_encoded_body(const struct mime_ctx *ctx, unsigned int part, enum mime_enc enc)
{
	const struct msg_part *p = mime_part_at((struct mime_ctx *)ctx, (int)part);

	return (p->flags & MSG_PART_BODY) && enc != MIME_ENC_UU && enc != MIME_ENC_RAW;
}

static struct mime_text *pw_kept(struct mime_walk *w, unsigned int part)
{
	for (guint i = 0; i < w->texts->len; i++) {
		struct mime_text *t = &g_array_index(w->texts, struct mime_text, i);

		if (t->part == part)
			return t;
	}
	return NULL;
}

/* The walk whose jobs are being run (a body is a leaf of the innermost one). */
static struct mime_walk *pw_walk_of(struct mime_ctx *ctx)
{
	return ctx->walks->len > 0 ? ctx->walks->pdata[ctx->walks->len - 1] : NULL;
}

const struct mime_text *mime_password_text(struct mime_ctx *ctx, unsigned int part,
                                           enum mime_enc enc)
{
	struct mime_walk *w = pw_walk_of(ctx);

	if (w == NULL || w->texts->len == 0 || !pw_encoded_body(ctx, part, enc))
		return NULL;
	return pw_kept(w, part);
}

void mime_password_keep(struct mime_ctx *ctx, unsigned int part, enum mime_enc enc, GBytes *data)
{
	struct mime_walk *w = pw_walk_of(ctx);
	struct mime_text t = {part, NULL, 0, false};

	if (w == NULL || w->texts->len >= MIME_PW_BODIES || !pw_encoded_body(ctx, part, enc) ||
	    pw_kept(w, part) != NULL)
		return;
	if (g_bytes_get_size(data) <= MIME_PW_TEXT_BYTES)
		t.bytes = g_bytes_ref(data);
	else
		t.bytes = g_bytes_new(g_bytes_get_data(data, NULL), MIME_PW_TEXT_BYTES);
	g_array_append_val(w->texts, t);
}

/*
 * The text of a body job, at most MIME_PW_TEXT_BYTES: the body itself when it is not encoded,
 * the text kept when it was decoded already, else decoded now (and kept: when it is all of
 * the body, its scan takes it instead of decoding it again).
 */
static const unsigned char *pw_text(struct mime_walk *w, const struct mime_job *job, size_t *n_r)
{
	const struct mime_text *t;

	if (job->enc == MIME_ENC_RAW) {
		*n_r = MIN(job->body_len, (size_t)MIME_PW_TEXT_BYTES);
		return job->body;
	}
	t = pw_kept(w, job->part);
	if (t == NULL) {
		unsigned char *buf = g_malloc(MIME_PW_TEXT_BYTES + MIME_DECODE_SLACK);
		struct mime_text nt = {job->part, NULL, 0, false};
		size_t n = mime_decode(job->enc, job->body, job->body_len, buf, MIME_PW_TEXT_BYTES,
		                       &nt.flags);

		nt.whole = !(nt.flags & MIME_DECODE_FULL);
		nt.bytes = g_bytes_new_take(buf, n);
		g_array_append_val(w->texts, nt);
		t = &g_array_index(w->texts, struct mime_text, w->texts->len - 1);
	}
	return g_bytes_get_data(t->bytes, n_r);
}

/* The text bodies of one walk (a message), searched in walk order. */
static void pw_walk(struct mime_ctx *ctx, struct mime_walk *w, unsigned int *bodies)
{
	for (guint i = 0; i < w->jobs->len && *bodies < MIME_PW_BODIES; i++) {
		const struct mime_job *job = &g_array_index(w->jobs, struct mime_job, i);
		const struct msg_part *p = mime_part_at(ctx, (int)job->part);
		bool html = p->content_type != NULL && strcmp(p->content_type, "text/html") == 0;
		const unsigned char *text;
		char *source;
		size_t n;

		if (!(p->flags & MSG_PART_BODY) || job->enc == MIME_ENC_UU ||
		    ctx->passwords->len >= MIME_PW_MAX)
			continue;
		text = pw_text(w, job, &n);
		source = g_strdup_printf("part %s", p->path);
		mime_password_find((const char *)text, n, html, source, ctx->passwords,
		                   MIME_PW_MAX);
		g_free(source);
		(*bodies)++;
	}
}

const GPtrArray *mime_passwords(struct mime_ctx *ctx)
{
	const char *subject = ctx->report->subject;
	unsigned int bodies = 0;

	if (ctx->passwords != NULL)
		return ctx->passwords;
	ctx->passwords = g_ptr_array_new_with_free_func(mime_password_free);
	if (subject != NULL)
		mime_password_find(subject, strlen(subject), false, "the subject", ctx->passwords,
		                   MIME_PW_MAX);
	for (guint i = ctx->walks->len; i > 0; i--)
		pw_walk(ctx, ctx->walks->pdata[i - 1], &bodies);
	return ctx->passwords;
}
