/*
 * ftype_text.c: text, mail, markup and scripts, from a bounded sample of the head.
 *
 * Only the first FTYPE_TEXT_SAMPLE bytes are looked at. Mail (RFC 5322 header block, mbox
 * "From " line) is checked on the raw bytes; then UTF-16 (BOM or alternating NULs, its ASCII
 * transcribed and classified like the rest); then the sample must be text (no NUL, few control
 * bytes); a "%PDF-" in the first KB makes it a PDF (readers accept that); then markup by its
 * head (HTML, HTA anywhere, XML, SVG, WSF), Internet shortcuts, and scripts by a score over
 * indicators (see script_type()), where a low score leaves plain text so prose stays text.
 *
 * Thread safety: no state; the tables are const and the working buffers are on the stack
 * (about 12 KB). Safe from any thread.
 */

#include "engine/ftype.h"
#include "engine/ftype_bytes.h"

#include <stdint.h>
#include <string.h>

#define HEAD_WINDOW      1024 /* "%PDF-" may start anywhere in the first KB; markup tags too */
#define UTF16_PROBE      512  /* bytes looked at to guess BOM-less UTF-16 */
#define SCRIPT_MIN_SCORE 4    /* see script_type() */
#define SCRIPT_FIRST     2048 /* bytes of text with no indicator at all: not a script */

/* ---- mail ---- */

static bool ascii_prefix_ci(const unsigned char *p, size_t n, const char *lit)
{
	size_t len = strlen(lit);

	if (n < len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)lit[i])
			return false;
	}
	return true;
}

static bool mail_known_name(const unsigned char *name, size_t len)
{
	static const char *const known[] = {
	        "from",       "to",       "cc",           "subject",     "date",
	        "message-id", "received", "mime-version", "return-path", "content-type",
	        "reply-to",   "sender",   "delivered-to"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == len && ascii_prefix_ci(name, len, known[i]))
			return true;
	return false;
}

/*
 * An RFC 5322 header block, as a mail reader parses one (Python's email, GMime): every line up
 * to the blank line (or the end of the data) is a field "Name: value" or a folded continuation
 * (white-space lines before the first field are dropped, as Python's email does). A line that
 * is neither, after two fields one of them well known, ends the block (Python's email starts
 * the body there; GMime and Thunderbird skip it and read on).
 * A name is 1..MAIL_NAME_MAX printable ASCII bytes without ':' (RFC 5322's 998-byte line limit;
 * white space before the colon is the obsolete syntax readers still accept). When the sample
 * ends inside the block (cut: the data goes on), the last, cut line counts if what is there
 * could begin a field. The block is mail when it has at least two fields and one of them is
 * well known, wherever it is; or, with no well-known name, when it looks like the header block
 * of a message as a whole (see MAIL_ANON_FIELDS): a file of X- fields is mail, a short
 * "key: value" file, YAML or a config of names without a message body is not.
 */
#define MAIL_NAME_MAX    998
#define MAIL_ANON_FIELDS 8 /* fields, half of them hyphenated ("X-Spam-Flag"), then a body */

struct mail_block {
	unsigned int fields, known, hyphenated;
	bool ended; /* by a blank line with more after it, or cut by the end of the sample */
};

/* One field line (len > 0, not a continuation); false when it is not one. */
static bool mail_field(const unsigned char *line, size_t len, bool partial, struct mail_block *b)
{
	size_t j = 0;
	bool hyphen = false;

	while (j < len && line[j] > 32 && line[j] < 127 && line[j] != ':') {
		hyphen |= line[j] == '-';
		j++;
	}
	if (j == 0 || j > MAIL_NAME_MAX)
		return false;
	if (partial && j == len)
		return true; /* cut inside the name */
	if (mail_known_name(line, j))
		b->known++;
	b->hyphenated += hyphen;
	while (j < len && (line[j] == ' ' || line[j] == '\t'))
		j++;
	if (j < len ? line[j] != ':' : !partial)
		return false;
	b->fields++;
	return true;
}

static bool mail_headers(const unsigned char *p, size_t n, bool cut)
{
	struct mail_block b = {0};
	size_t i = 0;

	while (i < n) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n, len = end - i;
		const unsigned char *line = p + i;
		bool partial = nl == NULL && cut;

		if (len > 0 && line[len - 1] == '\r' && !partial)
			len--;
		if (len == 0) {
			b.ended = end + 1 < n || cut;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			/* before the first field: white space Python's email drops */
		} else if (!mail_field(line, len, partial, &b)) {
			/* the body starts here for Python's email, GMime skips it: mail either way */
			if (b.fields >= 2 && b.known >= 1)
				return true;
			return false;
		}
		if (partial)
			b.ended = true;
		i = end + 1;
	}
	if (b.fields >= 2 && b.known >= 1)
		return true;
	return b.ended && b.fields >= MAIL_ANON_FIELDS && b.hyphenated * 2 >= b.fields;
}

static bool detect_mail(const unsigned char *d, size_t n, bool cut, struct ftype_info *info)
{
	if (n > 5 && memcmp(d, "From ", 5) == 0) {
		const unsigned char *nl = memchr(d, '\n', n);
		size_t skip = nl ? (size_t)(nl - d) + 1 : n;
		return mail_headers(d + skip, n - skip, cut) ? set(info, FTYPE_MBOX, 0) : false;
	}
	return mail_headers(d, n, cut) ? set(info, FTYPE_EML, 0) : false;
}

/* ---- text ---- */

/* Length of the valid UTF-8 sequence at p (2..4), 0 when invalid, -1 when cut by the end. */
static int utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	uint32_t cp;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	cp = len == 2 ? (uint32_t)(c & 0x1f) : len == 3 ? (uint32_t)(c & 0x0f) : (uint32_t)(c & 7);
	for (int i = 1; i < len; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * SWAR helpers on 8 bytes at a time (unaligned loads through memcpy): prose is checked and
 * lower-cased a word at a time instead of a byte at a time.
 */
#define SWAR_ONES 0x0101010101010101ull
#define SWAR_HIGH 0x8080808080808080ull

static uint64_t swar_load(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* Every byte in 0x20..0x7E. */
static bool swar_printable(const unsigned char *p)
{
	uint64_t w = swar_load(p), del = w ^ (0x7full * SWAR_ONES);

	return ((w | ((w - 0x20 * SWAR_ONES) & ~w) | ((del - SWAR_ONES) & ~del)) & SWAR_HIGH) == 0;
}

/* ASCII lower case of 8 bytes (bytes >= 0x80 unchanged). */
static uint64_t swar_lower(uint64_t w)
{
	uint64_t heptets = w & ~SWAR_HIGH;
	uint64_t ge_a = heptets + (0x80 - 'A') * SWAR_ONES;
	uint64_t gt_z = heptets + (0x80 - 'Z' - 1) * SWAR_ONES;
	uint64_t upper = ge_a & ~gt_z & ~w & SWAR_HIGH;

	return w | (upper >> 2);
}

/*
 * Is the sample text? No NUL and at most one control character in 64 (form feeds, escapes and a
 * DOS EOF are allowed). Bytes above 0x7F are either valid UTF-8 (flag UTF8 when all are) or a
 * legacy 8-bit charset, which is still text when at least a tenth of the sample is ASCII (the
 * spaces and punctuation of any language), so that a few high bytes alone are not.
 */
static bool text_sample(const unsigned char *s, size_t n, unsigned int *flags_r)
{
	size_t ctrl = 0, valid = 0, invalid = 0, ascii = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		int len;

		if (i + 8 <= n && swar_printable(s + i)) {
			/* eight printable ASCII bytes at once: the common case of prose */
			ascii += 8;
			i += 8;
			continue;
		}
		if (c < 0x80) {
			if (c == 0)
				return false;
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' &&
			     c != '\r' && c != 0x1b && c != 0x1a) ||
			    c == 0x7f)
				ctrl++;
			else
				ascii++;
			i++;
			continue;
		}
		len = utf8_seq(s + i, n - i);
		if (len < 0)
			break;
		if (len == 0) {
			invalid++;
			i++;
		} else {
			valid++;
			i += (size_t)len;
		}
	}
	if (ctrl * 64 > n || (invalid > 0 && ascii * 10 < n))
		return false;
	if (valid > 0 && invalid == 0)
		*flags_r |= FTYPE_FLAG_UTF8;
	return true;
}

/* BOM-less UTF-16: 0 none, 1 little-endian, 2 big-endian (NULs in alternate bytes). */
static int utf16_guess(const unsigned char *d, size_t size)
{
	size_t n = (size < UTF16_PROBE ? size : UTF16_PROBE) & ~(size_t)1, le = 0, be = 0;

	if (n < 8)
		return 0;
	for (size_t i = 0; i < n; i += 2) {
		if (d[i + 1] == 0 && d[i] >= 0x09 && d[i] < 0x7f)
			le++;
		if (d[i] == 0 && d[i + 1] >= 0x09 && d[i + 1] < 0x7f)
			be++;
	}
	if (le * 10 >= (n / 2) * 9)
		return 1;
	if (be * 10 >= (n / 2) * 9)
		return 2;
	return 0;
}

static bool find(const char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

struct script_rule {
	enum ftype type;
	unsigned char weight, len;
	const char *pattern; /* lower case, at least 2 bytes; "\n" matches a line start */
};

#define RULE(t, w, p)                                                                              \
	{                                                                                          \
		t, w, sizeof(p) - 1, p                                                             \
	}

/*
 * Indicators of script languages in a lower-cased sample. Weights: 1 = common in prose or in
 * several languages, 2 = typical, 3 = specific, 5 = decisive. See script_type().
 */
static const struct script_rule script_rules[] = {
        RULE(FTYPE_VBS, 3, "on error resume next"),
        RULE(FTYPE_VBS, 2, "= createobject("),
        RULE(FTYPE_VBS, 1, "createobject("),
        RULE(FTYPE_VBS, 2, "\ndim "),
        RULE(FTYPE_VBS, 2, "end sub"),
        RULE(FTYPE_VBS, 2, "end function"),
        RULE(FTYPE_VBS, 2, "end if"),
        RULE(FTYPE_VBS, 1, "\nsub "),
        RULE(FTYPE_VBS, 1, "wscript."),
        RULE(FTYPE_VBS, 1, "msgbox"),
        RULE(FTYPE_VBS, 2, "& vbcrlf"),
        RULE(FTYPE_VBS, 2, "executeglobal"),
        RULE(FTYPE_VBS, 1, "chr("),
        RULE(FTYPE_JS, 3, "activexobject"),
        RULE(FTYPE_JS, 3, "string.fromcharcode"),
        RULE(FTYPE_JS, 1, "wscript."),
        RULE(FTYPE_JS, 2, "eval("),
        RULE(FTYPE_JS, 2, "\nvar "),
        RULE(FTYPE_JS, 1, "var "),
        RULE(FTYPE_JS, 1, "function("),
        RULE(FTYPE_JS, 1, "function "),
        RULE(FTYPE_JS, 1, "document.write"),
        RULE(FTYPE_JS, 1, "};"),
        RULE(FTYPE_JS, 2, ".charcodeat("),
        RULE(FTYPE_JS, 3, "\"use strict\""),
        RULE(FTYPE_JS, 3, "'use strict'"),
        RULE(FTYPE_JS, 2, "console.log("),
        RULE(FTYPE_JS, 1, "unescape("),
        RULE(FTYPE_JS, 2, ".prototype."),
        RULE(FTYPE_PS1, 3, "invoke-expression"),
        RULE(FTYPE_PS1, 2, "iex "),
        RULE(FTYPE_PS1, 2, "iex("),
        RULE(FTYPE_PS1, 3, "| iex"),
        RULE(FTYPE_PS1, 2, "new-object "),
        RULE(FTYPE_PS1, 3, "$env:"),
        RULE(FTYPE_PS1, 3, "-encodedcommand"),
        RULE(FTYPE_PS1, 2, "[system."),
        RULE(FTYPE_PS1, 2, "-executionpolicy"),
        RULE(FTYPE_PS1, 3, "write-host"),
        RULE(FTYPE_PS1, 3, "invoke-webrequest"),
        RULE(FTYPE_PS1, 3, "[convert]::"),
        RULE(FTYPE_PS1, 3, "foreach-object"),
        RULE(FTYPE_PS1, 2, "start-process"),
        RULE(FTYPE_PS1, 2, "$null"),
        RULE(FTYPE_PS1, 1, "downloadstring("),
        RULE(FTYPE_PS1, 3, "$psscriptroot"),
        RULE(FTYPE_BAT, 5, "\n@echo off"),
        RULE(FTYPE_BAT, 2, "cmd /c"),
        RULE(FTYPE_BAT, 2, "cmd.exe /c"),
        RULE(FTYPE_BAT, 3, "%~dp0"),
        RULE(FTYPE_BAT, 3, "%comspec%"),
        RULE(FTYPE_BAT, 1, "\nset "),
        RULE(FTYPE_BAT, 2, "\ngoto "),
        RULE(FTYPE_BAT, 2, "\nrem "),
        RULE(FTYPE_BAT, 3, "%errorlevel%"),
        RULE(FTYPE_BAT, 2, "if exist "),
        RULE(FTYPE_BAT, 3, "exit /b"),
        RULE(FTYPE_BAT, 3, "\nsetlocal"),
        RULE(FTYPE_BAT, 2, ">nul"),
        RULE(FTYPE_BAT, 1, "\ncall "),
};

#define N_RULES (sizeof(script_rules) / sizeof(script_rules[0]))

static unsigned int bigram(unsigned char a, unsigned char b)
{
	return (a * 33u + b) & 255;
}

/*
 * Score each language by the indicators present (each counted once). The best language wins
 * when it reaches SCRIPT_MIN_SCORE and beats every other; otherwise the sample stays text.
 * One weak word ("function", "set", "dim") never makes prose a script. One pass over the
 * sample: the rules are indexed by a hash of their first two bytes (built on the stack, so the
 * function keeps no state), and most positions find an empty bucket.
 */
static enum ftype script_type(const char *low, size_t n)
{
	unsigned char head[256] = {0}, next[N_RULES]; /* rule index + 1; 0 ends a chain */
	bool found[N_RULES] = {false};
	unsigned int score[FTYPE__COUNT] = {0}, top = 0, second = 0;
	enum ftype best = FTYPE_TEXT;

	for (size_t r = 0; r < N_RULES; r++) {
		unsigned int h = bigram((unsigned char)script_rules[r].pattern[0],
		                        (unsigned char)script_rules[r].pattern[1]);
		next[r] = head[h];
		head[h] = (unsigned char)(r + 1);
	}
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned int k;

		/* prose shows no indicator in its first SCRIPT_FIRST bytes: stop there */
		if (i == SCRIPT_FIRST &&
		    score[FTYPE_JS] + score[FTYPE_VBS] + score[FTYPE_PS1] + score[FTYPE_BAT] == 0)
			return FTYPE_TEXT;
		k = head[bigram((unsigned char)low[i], (unsigned char)low[i + 1])];
		for (; k != 0; k = next[k - 1]) {
			const struct script_rule *r = &script_rules[k - 1];
			if (found[k - 1] || r->pattern[0] != low[i] ||
			    r->pattern[1] != low[i + 1] || r->len > n - i ||
			    memcmp(low + i, r->pattern, r->len) != 0)
				continue;
			found[k - 1] = true;
			score[r->type] += r->weight;
		}
	}
	for (int t = 0; t < FTYPE__COUNT; t++) {
		if (score[t] > top) {
			second = top;
			top = score[t];
			best = (enum ftype)t;
		} else if (score[t] > second) {
			second = score[t];
		}
	}
	return (top >= SCRIPT_MIN_SCORE && top > second) ? best : FTYPE_TEXT;
}

static bool starts(const char *p, size_t n, const char *lit)
{
	return n >= strlen(lit) && memcmp(p, lit, strlen(lit)) == 0;
}

static bool html_tag_first(const char *h, size_t n)
{
	static const char *const tags[] = {
	        "<!doctype html", "<html",   "<head",  "<body", "<script", "<iframe", "<meta",
	        "<title",         "<div",    "<table", "<a ",   "<p>",     "<p ",     "<br",
	        "<img",           "<style",  "<link",  "<form", "<h1",     "<span",   "<center",
	        "<frameset",      "<object", "<embed"};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (starts(h, n, tags[i]))
			return true;
	return false;
}

/* Markup by its head (first HEAD_WINDOW bytes after leading white space), and HTA anywhere. */
static enum ftype markup_type(const char *low, size_t n)
{
	size_t i = 0, hn;
	const char *h;

	while (i < n && (low[i] == ' ' || low[i] == '\t' || low[i] == '\r' || low[i] == '\n'))
		i++;
	h = low + i;
	hn = n - i < HEAD_WINDOW ? n - i : HEAD_WINDOW;
	if (find(low, n, "<hta:application"))
		return FTYPE_HTA;
	if (starts(h, hn, "<?xml") || starts(h, hn, "<!--")) {
		if (find(h, hn, "<svg"))
			return FTYPE_SVG;
		if ((find(h, hn, "<job") || find(h, hn, "<package")) && find(low, n, "<script"))
			return FTYPE_WSF;
		if (find(h, hn, "<html") || find(h, hn, "<!doctype html"))
			return FTYPE_HTML;
		if (starts(h, hn, "<?xml"))
			return FTYPE_XML;
	}
	if (starts(h, hn, "<svg") || starts(h, hn, "<!doctype svg"))
		return FTYPE_SVG;
	if ((starts(h, hn, "<job") || starts(h, hn, "<package")) && find(low, n, "<script"))
		return FTYPE_WSF;
	if (html_tag_first(h, hn) || find(h, hn, "<html") || find(h, hn, "<!doctype html") ||
	    find(h, hn, "<body") || find(h, hn, "<script"))
		return FTYPE_HTML;
	if (find(h, hn, "[internetshortcut]") && find(low, n, "\nurl="))
		return FTYPE_URL;
	return FTYPE_TEXT;
}

/*
 * Classify a text sample (ASCII-compatible bytes): markup, URL shortcut, script, or text.
 * The sample is lower-cased into a buffer that starts with '\n' so that line-start patterns
 * also match the first line.
 */
static enum ftype classify_text(const unsigned char *s, size_t n)
{
	char low[FTYPE_TEXT_SAMPLE + 1];
	enum ftype t;

	if (n > FTYPE_TEXT_SAMPLE)
		n = FTYPE_TEXT_SAMPLE;
	low[0] = '\n';
	for (size_t i = 0; i < n;) {
		if (i + 8 <= n) {
			uint64_t w = swar_lower(swar_load(s + i));
			memcpy(low + i + 1, &w, 8);
			i += 8;
		} else {
			unsigned char c = s[i];
			low[i + 1] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
			i++;
		}
	}
	t = markup_type(low + 1, n);
	return t != FTYPE_TEXT ? t : script_type(low, n + 1);
}

/* UTF-16 text: its ASCII transcribed for classify_text(); scripts keep their type. */
static void detect_utf16(const unsigned char *d, size_t size, bool le, unsigned int flags,
                         struct ftype_info *info)
{
	unsigned char ascii[FTYPE_TEXT_SAMPLE / 2];
	size_t n = 0, start = (flags & FTYPE_FLAG_BOM) ? 2 : 0;
	enum ftype t;

	for (size_t i = start; i + 1 < size && n < sizeof(ascii); i += 2) {
		unsigned int u = le ? (unsigned int)(d[i] | d[i + 1] << 8)
		                    : (unsigned int)(d[i] << 8 | d[i + 1]);
		ascii[n++] = u != 0 && u < 0x80 ? (unsigned char)u : '?';
	}
	t = classify_text(ascii, n);
	set(info, t == FTYPE_TEXT ? FTYPE_UTF16 : t, flags);
}

bool ftype_detect_text(const unsigned char *data, size_t size, struct ftype_info *info_r)
{
	size_t n = size < FTYPE_TEXT_SAMPLE ? size : FTYPE_TEXT_SAMPLE, skip = 0;
	unsigned int flags = 0;
	int guess;

	if (at(data, size, 0, "\xef\xbb\xbf", 3)) {
		skip = 3;
		flags = FTYPE_FLAG_BOM | FTYPE_FLAG_UTF8;
	}
	if (detect_mail(data + skip, n - skip, size > n, info_r)) {
		info_r->flags |= flags;
		return true;
	}
	if (at(data, size, 0, "\xff\xfe", 2) || at(data, size, 0, "\xfe\xff", 2)) {
		detect_utf16(data, size, data[0] == 0xff, FTYPE_FLAG_BOM, info_r);
		return true;
	}
	guess = utf16_guess(data, size);
	if (guess) {
		detect_utf16(data, size, guess == 1, 0, info_r);
		return true;
	}
	if (!text_sample(data + skip, n - skip, &flags))
		return false;
	if (memmem(data, n < HEAD_WINDOW ? n : HEAD_WINDOW, "%PDF-", 5) != NULL)
		return set(info_r, FTYPE_PDF, 0);
	set(info_r, classify_text(data + skip, n - skip), flags);
	return true;
}
