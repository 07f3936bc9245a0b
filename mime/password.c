/*
 * password: password candidates from the message text, for encrypted archive members.
 *
 * A candidate is the word after a keyword ("password", "passwort", "pw", "mot de passe",
 * "contraseña", "пароль", "密码", "パスワード", ...: case-insensitive, at a word boundary and
 * not followed by a letter, except in scripts written without spaces), a short phrase (at most
 * MIME_PW_WORDS known words on the keyword's line: fillers such as "for the attached file",
 * "für die Datei", "du fichier", "do pliku", verbs such as "is", "lautet", "est", "es", "è",
 * "jest", particles such as "は", "是", "는"; up to MIME_PW_OTHER other words on the way to a
 * verb or separator) and a separator (':' '=' ';' '：' or a dash between spaces: "pass -
 * 7781"), with quotes, brackets, asterisks and tags around it and trailing punctuation taken
 * off (the word as written is tried too when it differs). How much the word must look like a
 * password depends on what introduced it: after a separator, anything; after a verb alone
 * (or other words), a digit, a symbol or a capital inside it ("the password is required"
 * gives nothing); with nothing written ("PW 7781" in a subject, the word alone on the next
 * non-empty line, at most MIME_PW_LINES line breaks below, the next cell of an HTML table) a
 * digit. A link is never a candidate. HTML bodies are searched with their tags as line breaks
 * and the common entities decoded; a text that is not UTF-8 is read as Windows-1252.
 *
 * Limits: MIME_PW_MAX candidates of at most MIME_PW_MAX_LEN bytes per message (in order of
 * appearance, duplicates once; each costs one of max_password_trials per encrypted member, so
 * a body full of decoys spends 8 trials per member, no more), the first
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
        "password",   "passwort",  "passwd",       "passcode",     "pass",        "pwd",
        "pw",         "kennwort",  "mot de passe", "mdp",          "contraseña",  "contrasena",
        "clave",      "senha",     "parola",       "parolası",     "parolasi",    "wachtwoord",
        "lösenordet", "lösenord",  "salasana",     "hasło",        "haslo",       "heslo",
        "jelszó",     "şifresi",   "sifresi",      "şifre",        "sifre",       "пароль",
        "密码",       "密碼",      "口令",         "パスワード",   "비밀번호",    "암호",
        "kod",        "passordet", "passord",      "adgangskoden", "adgangskode", "lozinka",
        "geslo",      "parolă",    "parool",       "parole",       "slaptažodis", "парола",
        "κωδικός",    "סיסמה",     "كلمة المرور",  "mật khẩu",     "kata sandi",  "katalaluan",
        "lösen"};

/*
 * Words that may stand between a keyword and its password and say nothing of it ("the
 * password for the attached file", "Passwort für die Datei", "mot de passe du fichier",
 * "contraseña del archivo", "hasło do pliku", "пароль для архива"): at most MIME_PW_WORDS of
 * them, on the keyword's line, lower-case.
 */
static const char *const pw_fillers[] = {
        /* en */ "for",
        "to",
        "of",
        "the",
        "this",
        "that",
        "your",
        "our",
        "my",
        "a",
        "file",
        "files",
        "attachment",
        "attachments",
        "attached",
        "archive",
        "zip",
        "document",
        "documents",
        "doc",
        "invoice",
        "open",
        "opening",
        "unzip",
        "extract",
        "access",
        "view",
        "it",
        "below",
        "as",
        "follows",
        "required",
        /* de */ "für",
        "fuer",
        "die",
        "den",
        "das",
        "der",
        "des",
        "datei",
        "dateien",
        "anhang",
        "anhangs",
        "archiv",
        "archivs",
        "dokument",
        "zum",
        "öffnen",
        "oeffnen",
        "entpacken",
        /* fr */ "du",
        "de",
        "des",
        "la",
        "le",
        "les",
        "l'archive",
        "l'annexe",
        "pour",
        "ouvrir",
        "fichier",
        "archive",
        "pièce",
        "piece",
        "jointe",
        "d'ouverture",
        /* es, it, pt */ "del",
        "el",
        "para",
        "archivo",
        "fichero",
        "adjunto",
        "abrir",
        "per",
        "il",
        "allegato",
        "dell'allegato",
        "dell'archivio",
        "archivio",
        "aprire",
        "di",
        "do",
        "da",
        "o",
        "arquivo",
        "ficheiro",
        "anexo",
        /* nl, pl, ru, tr, nordic */ "voor",
        "het",
        "bestand",
        "bijlage",
        "openen",
        "om",
        "te",
        "pliku",
        "załącznika",
        "archiwum",
        "otwarcia",
        "для",
        "к",
        "от",
        "архива",
        "архиву",
        "файла",
        "файлу",
        "вложения",
        "открытия",
        "için",
        "dosya",
        "till",
        "filen",
        "arkivet",
        "bilagan",
        "vedlegget"};

/*
 * Words that say "the password is": after one of them (or a separator) the next word is
 * taken as the password, if it looks like one (pw_verb_ok).
 */
static const char *const pw_verbs[] = {
        "is",    "was", "will", "be", "are", "lautet", "ist", "heißt", "heisst", "est",
        "sera",  "es",  "será", "è",  "é",   "e'",     "é:",  "wordt", "luidt",  "jest",
        "brzmi", "to",  "это",  "är", "er",  "on",     "dir", "olan"};

/* Particles written against a CJK keyword: "パスワードは", "密码是", "비밀번호는". */
static const char *const pw_particles[] = {"は", "が", "是", "为", "為", "는", "은", "을", "를"};

#define MIME_PW_WORDS 6 /* filler and verb words between a keyword and its password */
#define MIME_PW_LINES 4 /* line breaks between them (blank lines, tags of a table) */
#define MIME_PW_OTHER 2 /* other words among them */

enum pw_sep {
	PW_SEP_NONE, /* "PW 7781": the word must hold a digit */
	PW_SEP_VERB, /* "password is 7781": a digit, a symbol or a capital inside it */
	PW_SEP_MARK, /* "password: abc": any word */
};

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

static gunichar pw_char(const char *p, const char *e)
{
	gunichar c = p < e ? g_utf8_get_char_validated(p, e - p) : 0;

	return c == (gunichar)-1 || c == (gunichar)-2 ? 0 : c;
}

static bool pw_space(gunichar c)
{
	return g_unichar_isspace(c) || c == 0xa0;
}

/* Scripts written without spaces between words (CJK, kana) or with particles glued (Hangul). */
static bool pw_cjk(gunichar c)
{
	return c >= 0x2e80;
}

/* A separator written after the keyword (or its phrase) at p: its length, or 0. */
static size_t pw_mark(const char *p, const char *e)
{
	gunichar c = pw_char(p, e);
	const char *next;

	if (c == ':' || c == '=' || c == ';' || c == 0xff1a || c == 0xff1d)
		return (size_t)(g_utf8_next_char(p) - p);
	if (c != '-' && c != 0x2013 && c != 0x2014)
		return 0;
	next = g_utf8_next_char(p);
	return next >= e || pw_space(pw_char(next, e)) ? (size_t)(next - p) : 0;
}

/* The word at p (up to a space or a separator) is one of list: its length, or 0. */
static size_t pw_listed(const char *p, const char *e, const char *const *list, size_t n)
{
	const char *te = p;
	gunichar first;

	while (te < e && te - p <= 32) {
		gunichar c = pw_char(te, e);

		if (c == 0 || pw_space(c) || pw_mark(te, e) > 0 || c == ',' || c == '.' || c == '<')
			break;
		te = g_utf8_next_char(te);
	}
	if (te == p)
		return 0;
	first = g_unichar_tolower(pw_char(p, te));
	for (size_t k = 0; k < n; k++)
		if (g_utf8_get_char(list[k]) == first &&
		    pw_match(p, te, list[k]) == (size_t)(te - p))
			return (size_t)(te - p);
	return 0;
}

/* What follows a keyword: the word taken as its password, and how it was introduced. */
struct pw_phrase {
	const char *word; /* NULL: none */
	enum pw_sep sep;
	int lines;         /* line breaks crossed */
	const char *loose; /* the first other word skipped on the way ("file 0 is: pw0"), or NULL */
};

/*
 * After a keyword: the phrase, the separator and the spaces around them, up to the word.
 * Filler and verb words are taken on the keyword's line only, before any separator, at most
 * MIME_PW_WORDS of them; up to MIME_PW_OTHER other words are skipped on the way to a verb or a
 * separator ("password for invoice 2024-117 is: 7781"), and then the word must look like a
 * password (PW_SEP_VERB) whatever separator follows ("password policy: minimum" is no password).
 * No verb or separator after them: the first of them is the word, as if nothing was written.
 */
static void pw_phrase(const char *p, const char *e, bool cjk, struct pw_phrase *ph)
{
	int words = 0, other = 0;

	memset(ph, 0, sizeof(*ph));
	while (p < e) {
		gunichar c = g_utf8_get_char_validated(p, e - p);
		size_t n;

		if (c == (gunichar)-1 || c == (gunichar)-2)
			break;
		if (c == '\n' && ++ph->lines > MIME_PW_LINES)
			break;
		if (pw_space(c) || ((c == '.' || c == ',') && ph->sep != PW_SEP_MARK &&
		                    (p + 1 >= e || pw_space(pw_char(p + 1, e))))) {
			/* the end of the phrase's sentence ("the password is below.") */
			p = g_utf8_next_char(p);
			continue;
		}
		if (ph->sep != PW_SEP_MARK && (n = pw_mark(p, e)) > 0) {
			ph->sep = PW_SEP_MARK;
			p += n;
			continue;
		}
		if (ph->sep == PW_SEP_MARK || ph->lines > 0 || words >= MIME_PW_WORDS) {
			ph->word = p;
			break;
		}
		n = 0;
		for (size_t k = 0; cjk && words == 0 && n == 0 && k < G_N_ELEMENTS(pw_particles);
		     k++)
			n = pw_match(p, e, pw_particles[k]);
		if (n > 0 || (n = pw_listed(p, e, pw_verbs, G_N_ELEMENTS(pw_verbs))) > 0) {
			ph->sep = PW_SEP_VERB;
		} else if ((n = pw_listed(p, e, pw_fillers, G_N_ELEMENTS(pw_fillers))) == 0) {
			if (ph->sep != PW_SEP_NONE || other >= MIME_PW_OTHER) {
				ph->word = p;
				break;
			}
			if (other++ == 0)
				ph->loose = p;
			while (p + n < e && !pw_space(pw_char(p + n, e)) && pw_mark(p + n, e) == 0)
				n += (size_t)(g_utf8_next_char(p + n) - (p + n));
		}
		p += n;
		words++;
	}
	if (ph->loose != NULL && (ph->word == NULL || ph->sep == PW_SEP_NONE)) {
		/* no verb nor separator after the other words: the first of them is the word */
		ph->word = ph->loose;
		ph->loose = NULL;
		ph->sep = PW_SEP_NONE;
		ph->lines = 0;
	} else if (ph->loose != NULL && ph->sep == PW_SEP_MARK) {
		ph->sep = PW_SEP_VERB;
	}
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

/*
 * A word after "is" and the like: not a plain word of the sentence ("the password is
 * required"): it holds a digit or a symbol, or a capital after its first letter.
 */
static bool pw_verb_ok(const char *b, const char *end)
{
	while (end > b && end[-1] == '!') /* "Your password is wrong!" */
		end--;
	for (const char *q = b; q < end; q = g_utf8_next_char(q)) {
		gunichar c = pw_char(q, end);

		if (!g_unichar_isalpha(c) || (q > b && g_unichar_isupper(c)))
			return true;
	}
	return false;
}

static bool pw_open_quote(gunichar c)
{
	return (c < 0x80 && c != 0 && strchr("\"'([{*`", (int)c) != NULL) || c == 0x201c ||
	       c == 0x2018 || c == 0xab || c == 0x201e || c == 0x300c || c == 0x300e || c == 0xff08;
}

static bool pw_trailing(gunichar c)
{
	return (c < 0x80 && c != 0 && strchr("\"'.,;:?)]>}*`", (int)c) != NULL) || c == 0x201d ||
	       c == 0x2019 || c == 0xbb || c == 0x300d || c == 0x300f || c == 0xff09 ||
	       c == 0x3002 || c == 0x3001 || c == 0xff0c;
}

/* Where a word ends: a space, a tag, or the punctuation that closes a CJK phrase. */
static bool pw_word_end(gunichar c)
{
	return pw_space(c) || c == '<' || c == 0x300d || c == 0x300f || c == 0xff09 ||
	       c == 0x3002 || c == 0x3001 || c == 0xff0c;
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

/* A link is not a password ("reset your password here: https://..."). */
static bool pw_link(const char *b, const char *end)
{
	static const char *const pre[] = {"http://", "https://", "www."};

	for (size_t k = 0; k < G_N_ELEMENTS(pre); k++)
		if (pw_match(b, end, pre[k]) > 0)
			return true;
	return false;
}

/* The word at p: as written and without the quotes and punctuation around it. */
static void pw_word(const char *p, const char *e, enum pw_sep sep, int lines, const char *source,
                    GPtrArray *out, unsigned int max)
{
	const char *b = p, *w, *end;
	bool quoted = false;

	for (int i = 0; i < 2 && b < e && pw_open_quote(pw_char(b, e)); i++) {
		b = g_utf8_next_char(b);
		quoted = true;
	}
	for (w = b; w < e;) {
		gunichar c = g_utf8_get_char_validated(w, e - w);

		if (c == (gunichar)-1 || c == (gunichar)-2 || pw_word_end(c))
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
	if (sep == PW_SEP_NONE && !pw_loose_ok(b, end, w, e, lines))
		return;
	if (sep == PW_SEP_VERB && !quoted && !pw_verb_ok(b, end))
		return;
	if (pw_link(b, end))
		return;
	pw_add(out, max, b, (size_t)(end - b), source);
	pw_add(out, max, p, (size_t)(w - p), source);
}

static bool pw_wordchar(gunichar c)
{
	return g_unichar_isalnum(c) || c == '_';
}

/*
 * Each keyword at a word boundary (CJK keywords anywhere: those scripts have no spaces),
 * then its phrase and word.
 */
static void pw_search(const char *s, size_t len, const char *source, GPtrArray *out,
                      unsigned int max)
{
	const char *e = s + len, *p = s;
	gunichar prev = 0;

	while (p < e && out->len < max) {
		gunichar c = g_utf8_get_char_validated(p, e - p), lc;

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			p++;
			prev = 0;
			continue;
		}
		lc = g_unichar_tolower(c);

		/* inside a word only a CJK keyword can start (most characters stop here) */
		for (size_t k = 0;
		     (pw_cjk(lc) || !pw_wordchar(prev)) && k < G_N_ELEMENTS(pw_keywords); k++) {
			gunichar first = g_utf8_get_char(pw_keywords[k]);
			bool cjk = pw_cjk(first);
			size_t n = first != lc || (!cjk && pw_wordchar(prev))
			                   ? 0
			                   : pw_match(p, e, pw_keywords[k]);
			const char *after = p + n;
			struct pw_phrase ph;

			if (n == 0 || (!cjk && pw_wordchar(pw_char(after, e))))
				continue;
			pw_phrase(after, e, cjk, &ph);
			if (ph.word != NULL)
				pw_word(ph.word, e, ph.sep, ph.lines, source, out, max);
			if (ph.loose != NULL)
				pw_word(ph.loose, e, PW_SEP_NONE, 0, source, out, max);
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
	char *conv = NULL, *plain = NULL;

	if (max > MIME_PW_MAX)
		max = MIME_PW_MAX;
	/* a text that is not UTF-8 is read as Windows-1252 (ISO-8859-1 where that fails) */
	if (!g_utf8_validate(text, (gssize)len, NULL)) {
		gsize n = 0;

		conv = g_convert(text, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, &n, NULL);
		if (conv == NULL)
			conv = g_convert(text, (gssize)len, "UTF-8", "ISO-8859-1", NULL, &n, NULL);
		if (conv != NULL) {
			text = conv;
			len = n;
		}
	}
	if (html)
		plain = pw_html_text(text, len);
	pw_search(plain != NULL ? plain : text, plain != NULL ? strlen(plain) : len, source, out,
	          max);
	g_free(plain);
	g_free(conv);
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
