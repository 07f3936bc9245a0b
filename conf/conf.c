/*
 * conf: the configuration parser (see conf.h).
 *
 * One table describes every key: its section, type, place in struct conf and default (as
 * text, parsed like a value from the file, so defaults and the documentation of `-t` come
 * from the same place). Lines are at most CONF_MAX_LINE bytes; a file at most 1 MiB.
 * Thread safety: a loaded struct conf is immutable; parsing touches no global state.
 */

#include "conf/conf.h"
#include "engine/digest.h"

#include <gio/gio.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CONF_MAX_FILE (1024 * 1024)
#define CONF_MAX_LINE 4096
/*
 * The most any size limit may be: what one buffer can hold. Messages and decoded parts live
 * in GByteArrays (guint lengths: GLib aborts past 4 GiB), and 2047M keeps a length within
 * G_MAXINT too for calls that take a gint. Larger values are clamped to this, with a warning,
 * in this one place.
 */
#define CONF_SIZE_MAX ((uint64_t)2047 << 20)

enum conf_type {
	T_STR,     /* string; empty -> NULL */
	T_BOOL,    /* yes/no/true/false/on/off/1/0 */
	T_UINT,    /* unsigned int within [min, max] */
	T_SIZE,    /* uint64_t bytes, K/M/G suffixes (powers of 1024) */
	T_MODE,    /* octal file mode */
	T_LIST,    /* comma- or space-separated words -> char ** */
	T_EXTS,    /* like T_LIST, lower-cased, leading dots removed */
	T_ACTION,  /* enum conf_action */
	T_NODB,    /* enum conf_no_db */
	T_TYPES,   /* type and family names -> bool block_type[] */
	T_NETS,    /* like T_LIST, each a CIDR network or "local" */
	T_SOCKET,  /* like T_STR, a milter socket (conf_socket_error) */
	T_DIGESTS, /* md5 sha1 sha256 -> unsigned int DIGEST_BIT() mask; SHA-256 always in it */
};

struct conf_key {
	const char *section;
	const char *key;
	enum conf_type type;
	size_t offset;
	const char *def;
	uint64_t min, max;
};

#define F(field) offsetof(struct conf, field)

/* clang-format off */
static const struct conf_key conf_table[] = {
	{"milter", "socket", T_SOCKET, F(socket), "unix:/run/partscan/milter.sock", 0, 0},
	{"milter", "socket_mode", T_MODE, F(socket_mode), "0660", 0, 0777},
	{"milter", "socket_group", T_STR, F(socket_group), "", 0, 0},
	{"milter", "user", T_STR, F(user), "partscan", 0, 0},
	{"milter", "allow_root", T_BOOL, F(allow_root), "no", 0, 0},
	{"milter", "pid_file", T_STR, F(pid_file), "/run/partscan/partscan-milter.pid", 0, 0},
	{"milter", "workers", T_UINT, F(workers), "0", 0, 1024},
	{"milter", "timeout", T_UINT, F(timeout), "300", 1, 86400},
	{"milter", "packet_gate", T_BOOL, F(packet_gate), "yes", 0, 0},
	{"milter", "hostname", T_STR, F(hostname), "", 0, 0},
	{"milter", "on_no_database", T_NODB, F(on_no_database), "refuse", 0, 0},
	{"control", "socket", T_STR, F(control_socket), "/run/partscan/control.sock", 0, 0},
	{"control", "mode", T_MODE, F(control_mode), "0660", 0, 0777},
	{"control", "group", T_STR, F(control_group), "", 0, 0},
	{"metrics", "listen", T_STR, F(metrics_listen), "", 0, 0},
	{"database", "path", T_LIST, F(db_paths), "/var/lib/partscan /var/lib/clamav", 0, 0},
	{"database", "strict", T_BOOL, F(db_strict), "no", 0, 0},
	{"database", "pua", T_BOOL, F(db_pua), "no", 0, 0},
	{"database", "watch", T_BOOL, F(db_watch), "yes", 0, 0},
	{"database", "certificates", T_STR, F(db_certificates), "", 0, 0},
	{"database", "max_age_days", T_UINT, F(db_max_age_days), "0", 0, 3650},
	{"database", "on_stale", T_ACTION, F(on_stale_db), "tag", 0, 0},
	{"limits", "max_message_size", T_SIZE, F(limits.max_message_bytes), "100M", 1024, UINT64_MAX},
	{"limits", "max_header_size", T_SIZE, F(limits.max_header_bytes), "1M", 1024, UINT64_MAX},
	{"limits", "max_depth", T_UINT, F(limits.max_depth), "64", 1, 1000},
	{"limits", "max_parts", T_UINT, F(limits.max_parts), "1000", 1, 1000000},
	{"limits", "max_part_size", T_SIZE, F(limits.max_part_bytes), "50M", 1, UINT64_MAX},
	{"limits", "max_total_size", T_SIZE, F(limits.max_total_bytes), "200M", 1, UINT64_MAX},
	{"limits", "max_archive_depth", T_UINT, F(limits.max_archive_depth), "32", 1, 100},
	{"limits", "max_archive_members", T_UINT, F(limits.max_archive_members), "1000", 1, 10000000},
	{"limits", "max_member_size", T_SIZE, F(limits.max_member_bytes), "50M", 1, UINT64_MAX},
	{"limits", "max_ratio", T_UINT, F(limits.max_ratio), "200", 1, 1000000},
	{"limits", "max_decoder_memory", T_SIZE, F(limits.max_decoder_memory), "256M", 1, UINT64_MAX},
	{"limits", "max_password_trials", T_UINT, F(limits.max_password_trials), "500", 1, 1000000},
	{"policy", "infected", T_ACTION, F(on_infected), "reject", 0, 0},
	{"policy", "blocked", T_ACTION, F(on_blocked), "reject", 0, 0},
	{"policy", "unscannable", T_ACTION, F(on_unscannable), "tag", 0, 0},
	{"policy", "encrypted", T_ACTION, F(on_encrypted), "quarantine", 0, 0},
	{"policy", "error", T_ACTION, F(on_error), "tempfail", 0, 0},
	{"policy", "reject_message", T_STR, F(reject_message),
	 "Message rejected: %v (%f)", 0, 0},
	{"policy", "tempfail_message", T_STR, F(tempfail_message),
	 "Message could not be scanned, try again later", 0, 0},
	{"policy", "block_types", T_TYPES, F(block_type),
	 "executable shortcut diskimage chm", 0, 0},
	{"policy", "block_extensions", T_EXTS, F(block_extensions),
	 "exe com scr pif cpl msi msp dll sys ocx jar bat cmd js jse vbs vbe wsf wsh ws ps1 "
	 "psm1 psd1 hta lnk scf reg inf iso img vhd vhdx chm application gadget msc appx "
	 "appxbundle msix", 0, 0},
	{"policy", "block_double_extensions", T_BOOL, F(block_double_extensions), "yes", 0, 0},
	{"policy", "block_html_smuggling", T_BOOL, F(block_html_smuggling), "yes", 0, 0},
	{"headers", "add", T_BOOL, F(headers), "yes", 0, 0},
	{"headers", "scanned", T_STR, F(header_scanned), "X-Virus-Scanned", 0, 0},
	{"headers", "status", T_STR, F(header_status), "X-Virus-Status", 0, 0},
	{"skip", "networks", T_NETS, F(skip_networks), "", 0, 0},
	{"skip", "authenticated", T_BOOL, F(skip_authenticated), "no", 0, 0},
	{"skip", "senders", T_LIST, F(skip_senders), "", 0, 0},
	{"skip", "recipients", T_LIST, F(skip_recipients), "", 0, 0},
	{"quarantine", "directory", T_STR, F(quarantine_dir), "/var/lib/partscan/quarantine", 0, 0},
	{"quarantine", "sendmail", T_STR, F(sendmail), "/usr/sbin/sendmail", 0, 0},
	{"index", "url", T_STR, F(index_url), "", 0, 0},
	{"index", "keep_days", T_UINT, F(index_keep_days), "30", 1, 36500},
	{"index", "queue", T_UINT, F(index_queue), "10000", 1, 10000000},
	{"index", "digests", T_DIGESTS, F(index_digests), "md5 sha1 sha256", 0, 0},
	{"index", "body_digests", T_BOOL, F(index_body_digests), "no", 0, 0},
	{"retro", "enabled", T_BOOL, F(retro), "yes", 0, 0},
	{"retro", "notify", T_STR, F(retro_notify), "", 0, 0},
	{"retro", "program", T_STR, F(retro_program), "", 0, 0},
	{"retro", "timeout", T_UINT, F(retro_timeout), "30", 1, 3600},
	{"retro", "state", T_STR, F(retro_state), "", 0, 0},
	{"log", "json", T_STR, F(json_log), "/var/log/partscan/messages.json", 0, 0},
	{"log", "syslog", T_BOOL, F(syslog), "yes", 0, 0},
	{"log", "facility", T_STR, F(syslog_facility), "mail", 0, 0},
	{"log", "ident", T_STR, F(syslog_ident), "partscan-milter", 0, 0},
};
/* clang-format on */

static const char *const conf_action_names[CONF_ACTION__COUNT] = {
        "accept", "tag", "strip", "quarantine", "tempfail", "discard", "reject"};

const char *conf_action_name(enum conf_action action)
{
	return (unsigned)action < CONF_ACTION__COUNT ? conf_action_names[action] : "unknown";
}

int conf_action_from_name(const char *name, enum conf_action *action_r)
{
	for (int i = 0; i < CONF_ACTION__COUNT; i++) {
		if (g_ascii_strcasecmp(name, conf_action_names[i]) == 0) {
			*action_r = (enum conf_action)i;
			return 0;
		}
	}
	return -1;
}

static gpointer conf_build_keys(gpointer unused)
{
	const char **keys = g_new0(const char *, G_N_ELEMENTS(conf_table) + 1);

	for (size_t i = 0; i < G_N_ELEMENTS(conf_table); i++)
		keys[i] = g_strdup_printf("%s.%s", conf_table[i].section, conf_table[i].key);
	return keys;
}

const char *const *conf_keys(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, conf_build_keys, NULL);
}

/* ---- values ---- */

static char **conf_split_words(const char *value)
{
	char **words = g_strsplit_set(value, ", \t\r\n\v\f", -1);
	GPtrArray *out = g_ptr_array_new();

	for (size_t i = 0; words[i] != NULL; i++) {
		if (words[i][0] != '\0')
			g_ptr_array_add(out, g_strdup(words[i]));
	}
	g_strfreev(words);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static bool conf_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (g_ascii_strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool conf_parse_size(const char *v, uint64_t *out)
{
	char *end;
	guint64 n;
	unsigned int shift = 0;

	if (!g_ascii_isdigit(v[0]))
		return false;
	errno = 0;
	n = g_ascii_strtoull(v, &end, 10);
	if (errno != 0)
		return false;
	switch (g_ascii_toupper(*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return false;
	}
	if (*end != '\0' && end[1] != '\0' && !(g_ascii_toupper(end[1]) == 'B' && end[2] == '\0'))
		return false;
	if (shift > 0 && n > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)n << shift;
	return true;
}

static bool conf_parse_types(const char *v, bool *types, char **bad_r)
{
	char **words = conf_split_words(v);
	bool ok = true;

	memset(types, 0, sizeof(bool) * FTYPE__COUNT);
	for (size_t i = 0; ok && words[i] != NULL; i++) {
		enum ftype t;
		enum ftype_family f;

		/* a family name wins over the type of the same name ("script") */
		if (ftype_family_from_name(words[i], &f) == 0) {
			for (int k = 0; k < FTYPE__COUNT; k++) {
				if (ftype_family((enum ftype)k) == f)
					types[k] = true;
			}
		} else if (ftype_from_name(words[i], &t) == 0) {
			types[t] = true;
		} else {
			*bad_r = g_strdup(words[i]);
			ok = false;
		}
	}
	g_strfreev(words);
	return ok;
}

/* A list of words; extensions lose leading dots and are lower-cased. */
static void conf_store_list(void *field, const char *v, bool exts)
{
	char **words = conf_split_words(v);
	GPtrArray *out = g_ptr_array_new();

	for (char **w = words; *w != NULL; w++) {
		const char *word = exts ? *w + strspn(*w, ".") : *w;

		if (*word != '\0') /* "." alone is no extension */
			g_ptr_array_add(out, exts ? g_ascii_strdown(word, -1) : g_strdup(word));
	}
	g_ptr_array_add(out, NULL);
	g_strfreev(words);
	g_strfreev(*(char ***)field);
	*(char ***)field = (char **)g_ptr_array_free(out, FALSE);
}

/* Each word a CIDR network or "local": NULL, or the reason (g_free it). */
static char *conf_check_nets(const char *v)
{
	char **words = conf_split_words(v), *why = NULL;

	for (char **w = words; *w != NULL && why == NULL; w++) {
		GInetAddressMask *mask;

		if (g_ascii_strcasecmp(*w, "local") == 0)
			continue;
		mask = g_inet_address_mask_new_from_string(*w, NULL);
		if (mask == NULL)
			why = g_strdup_printf("'%s' is not a network (CIDR) or 'local'", *w);
		else
			g_object_unref(mask);
	}
	g_strfreev(words);
	return why;
}

char *conf_socket_error(const char *socket)
{
	const char *p = NULL, *port = NULL;
	guint64 n;

	if (g_str_has_prefix(socket, "unix:"))
		p = socket + 5;
	else if (g_str_has_prefix(socket, "local:"))
		p = socket + 6;
	else if (socket[0] == '/' || g_str_has_prefix(socket, "./"))
		p = socket;
	else if (g_str_has_prefix(socket, "inet:"))
		port = socket + 5;
	else if (g_str_has_prefix(socket, "inet6:"))
		port = socket + 6;
	if (p != NULL) {
		if (p[0] == '\0')
			return g_strdup("a unix socket needs a path");
		if (strlen(p) >= 108) /* sizeof sun_path */
			return g_strdup("a unix socket path must be shorter than 108 bytes");
		return NULL;
	}
	if (port != NULL) {
		char *num = g_strndup(port, strcspn(port, "@"));
		const char *at = strchr(port, '@');
		bool ok = g_ascii_isdigit(num[0]) &&
		          g_ascii_string_to_unsigned(num, 10, 1, 65535, &n, NULL) &&
		          (at == NULL || at[1] != '\0');

		g_free(num);
		return ok ? NULL : g_strdup("expected inet:PORT@HOST (PORT 1 to 65535)");
	}
	return g_strdup("expected unix:PATH, inet:PORT@HOST or inet6:PORT@HOST");
}

/* "md5 sha1 sha256" (any of them, comma or space separated) into a mask with SHA-256. */
static char *conf_parse_digests(const char *v, unsigned int *mask_r)
{
	char **words = g_strsplit_set(v, ", \t", -1);
	unsigned int mask = DIGEST_BIT(DIGEST_SHA256);
	char *why = NULL;

	for (char **w = words; *w != NULL && why == NULL; w++) {
		int t;

		if (**w == '\0')
			continue;
		for (t = 0; t < DIGEST__COUNT; t++)
			if (g_ascii_strcasecmp(*w, digest_name((enum digest_type)t)) == 0)
				break;
		if (t == DIGEST__COUNT)
			why = g_strdup_printf("unknown digest '%s' (expected md5, sha1, sha256)",
			                      *w);
		else
			mask |= DIGEST_BIT(t);
	}
	g_strfreev(words);
	if (why == NULL)
		*mask_r = mask;
	return why;
}

/* Store value into the field of k; NULL on success, else the reason (g_free it). */
static char *conf_set(struct conf *c, const struct conf_key *k, const char *v)
{
	void *field = (char *)c + k->offset;
	char *bad = NULL, *why;
	uint64_t n;
	bool b;

	switch (k->type) {
	case T_STR:
		g_free(*(char **)field);
		*(char **)field = v[0] != '\0' ? g_strdup(v) : NULL;
		return NULL;
	case T_BOOL:
		if (!conf_parse_bool(v, &b))
			return g_strdup("expected yes or no");
		*(bool *)field = b;
		return NULL;
	case T_UINT:
		if (!g_ascii_isdigit(v[0]) ||
		    !g_ascii_string_to_unsigned(v, 10, k->min, k->max, &n, NULL))
			return g_strdup("expected a whole number in range");
		*(unsigned int *)field = (unsigned int)n;
		return NULL;
	case T_SIZE:
		if (!conf_parse_size(v, &n) || n < k->min || n > k->max)
			return g_strdup("expected a size (bytes, or with K, M, G)");
		*(uint64_t *)field = MIN(n, CONF_SIZE_MAX);
		return NULL;
	case T_MODE:
		if (v[0] != '0' || !g_ascii_string_to_unsigned(v, 8, 0, k->max, &n, NULL))
			return g_strdup("expected an octal mode such as 0660");
		*(unsigned int *)field = (unsigned int)n;
		return NULL;
	case T_SOCKET:
		why = conf_socket_error(v);
		if (why != NULL)
			return why;
		g_free(*(char **)field);
		*(char **)field = g_strdup(v);
		return NULL;
	case T_NETS:
		why = conf_check_nets(v);
		if (why != NULL)
			return why;
		conf_store_list(field, v, false);
		return NULL;
	case T_LIST:
		conf_store_list(field, v, false);
		return NULL;
	case T_EXTS:
		conf_store_list(field, v, true);
		return NULL;
	case T_ACTION:
		if (conf_action_from_name(v, (enum conf_action *)field) < 0)
			return g_strdup("expected accept, tag, strip, quarantine, tempfail, "
			                "discard or reject");
		return NULL;
	case T_NODB:
		if (g_ascii_strcasecmp(v, "refuse") == 0)
			*(enum conf_no_db *)field = CONF_NO_DB_REFUSE;
		else if (g_ascii_strcasecmp(v, "tempfail") == 0)
			*(enum conf_no_db *)field = CONF_NO_DB_TEMPFAIL;
		else
			return g_strdup("expected refuse or tempfail");
		return NULL;
	case T_DIGESTS:
		return conf_parse_digests(v, (unsigned int *)field);
	case T_TYPES:
		if (conf_parse_types(v, (bool *)field, &bad))
			return NULL;
		why = g_strdup_printf("unknown type or family '%s'", bad);
		g_free(bad);
		return why;
	}
	return g_strdup("internal: unknown key type");
}

struct conf *conf_defaults(void)
{
	struct conf *c = g_new0(struct conf, 1);

	for (size_t i = 0; i < G_N_ELEMENTS(conf_table); i++) {
		char *why = conf_set(c, &conf_table[i], conf_table[i].def);
		if (why != NULL)
			g_error("default of %s.%s: %s", conf_table[i].section, conf_table[i].key,
			        why);
	}
	return c;
}

/* ---- the file ---- */

static const struct conf_key *conf_find(const char *section, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(conf_table); i++) {
		if (strcmp(conf_table[i].section, section) == 0 &&
		    strcmp(conf_table[i].key, key) == 0)
			return &conf_table[i];
	}
	return NULL;
}

static bool conf_known_section(const char *section)
{
	for (size_t i = 0; i < G_N_ELEMENTS(conf_table); i++) {
		if (strcmp(conf_table[i].section, section) == 0)
			return true;
	}
	return false;
}

static int conf_fail(GError **error, const char *name, unsigned int line, const char *fmt, ...)
        G_GNUC_PRINTF(4, 5);

static int conf_fail(GError **error, const char *name, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s", name, line, msg);
	g_free(msg);
	return -1;
}

/* A size above CONF_SIZE_MAX was clamped by conf_set(): say so (on stderr, where -t shows it). */
static void conf_warn_clamped(const char *name, unsigned int lineno, const struct conf_key *k,
                              const char *value)
{
	uint64_t n;

	if (conf_parse_size(value, &n) && n > CONF_SIZE_MAX)
		fprintf(stderr,
		        "warning: %s:%u: %s.%s = %s is more than partscan can hold: clamped to "
		        "%" G_GUINT64_FORMAT "M\n",
		        name, lineno, k->section, k->key, value, CONF_SIZE_MAX >> 20);
}

/* One "key = value" line of section; 0 or -1 with error set. */
static int conf_line(struct conf *c, const char *name, unsigned int lineno, const char *section,
                     char *line, unsigned int *seen, GError **error)
{
	char *eq = strchr(line, '='), *key, *value;
	const struct conf_key *k;
	char *why;
	size_t vlen;
	int ret;

	if (eq == NULL)
		return conf_fail(error, name, lineno, "expected 'key = value' or '[section]'");
	if (section == NULL)
		return conf_fail(error, name, lineno, "'%s' is outside any [section]", line);
	*eq = '\0';
	key = g_strstrip(line);
	value = g_strstrip(eq + 1);
	vlen = strlen(value);
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		value[vlen - 1] = '\0';
		value++;
	}
	k = conf_find(section, key);
	if (k == NULL)
		return conf_fail(error, name, lineno, "unknown key '%s' in [%s]", key, section);
	if (seen[k - conf_table] != 0)
		return conf_fail(error, name, lineno, "%s.%s is already set on line %u", section,
		                 key, seen[k - conf_table]);
	seen[k - conf_table] = lineno;
	why = conf_set(c, k, value);
	if (why == NULL && k->type == T_SIZE)
		conf_warn_clamped(name, lineno, k, value);
	if (why == NULL)
		return 0;
	ret = conf_fail(error, name, lineno, "%s.%s = '%s': %s", section, key, value, why);
	g_free(why);
	return ret;
}

int conf_parse(const char *name, const char *text, size_t len, struct conf **conf_r, GError **error)
{
	struct conf *c = conf_defaults();
	unsigned int seen[G_N_ELEMENTS(conf_table)] = {0}, lineno = 0;
	char *section = NULL;
	size_t pos = 0;
	int ret = 0;

	*conf_r = NULL;
	while (ret == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		char *line, *s;

		lineno++;
		if (end - pos > CONF_MAX_LINE) {
			ret = conf_fail(error, name, lineno, "line longer than %d bytes",
			                CONF_MAX_LINE);
			break;
		}
		line = g_strndup(text + pos, end - pos);
		s = g_strstrip(line);
		if (memchr(text + pos, '\0', end - pos) != NULL) {
			ret = conf_fail(error, name, lineno, "NUL byte in line");
		} else if (s[0] == '\0' || s[0] == '#' || s[0] == ';') {
			/* empty or comment */
		} else if (s[0] == '[') {
			char *close = strchr(s, ']');

			if (close == NULL || close[1] != '\0') {
				ret = conf_fail(error, name, lineno, "expected '[section]'");
			} else {
				*close = '\0';
				g_free(section);
				section = g_strdup(g_strstrip(s + 1));
				if (!conf_known_section(section))
					ret = conf_fail(error, name, lineno, "unknown section [%s]",
					                section);
			}
		} else {
			ret = conf_line(c, name, lineno, section, s, seen, error);
		}
		pos = end + 1;
		g_free(line);
	}
	g_free(section);
	if (ret < 0) {
		conf_free(&c);
		return -1;
	}
	c->path = g_strdup(name);
	*conf_r = c;
	return 0;
}

int conf_load(const char *path, struct conf **conf_r, GError **error)
{
	char *text;
	gsize len;
	int ret;

	*conf_r = NULL;
	if (!g_file_get_contents(path, &text, &len, error))
		return -1;
	if (len > CONF_MAX_FILE) {
		g_free(text);
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
		            "%s: larger than %d bytes", path, CONF_MAX_FILE);
		return -1;
	}
	ret = conf_parse(path, text, len, conf_r, error);
	g_free(text);
	return ret;
}

void conf_free(struct conf **cp)
{
	struct conf *c = *cp;

	if (c == NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(conf_table); i++) {
		void *field = (char *)c + conf_table[i].offset;

		if (conf_table[i].type == T_STR || conf_table[i].type == T_SOCKET)
			g_free(*(char **)field);
		else if (conf_table[i].type == T_LIST || conf_table[i].type == T_EXTS ||
		         conf_table[i].type == T_NETS)
			g_strfreev(*(char ***)field);
	}
	g_free(c->path);
	g_free(c);
	*cp = NULL;
}

/* ---- dump ---- */

static void conf_dump_size(GString *out, uint64_t n)
{
	static const char units[] = {'G', 'M', 'K'};

	for (int i = 0; i < 3; i++) {
		unsigned int shift = 30 - 10 * (unsigned)i;

		if (n != 0 && n % (1ull << shift) == 0) {
			g_string_append_printf(out, "%" G_GUINT64_FORMAT "%c",
			                       (guint64)(n >> shift), units[i]);
			return;
		}
	}
	g_string_append_printf(out, "%" G_GUINT64_FORMAT, (guint64)n);
}

static void conf_dump_value(GString *out, const struct conf *c, const struct conf_key *k)
{
	const void *field = (const char *)c + k->offset;

	switch (k->type) {
	case T_STR:
	case T_SOCKET:
		if (*(char *const *)field != NULL)
			g_string_append(out, *(char *const *)field);
		break;
	case T_BOOL:
		g_string_append(out, *(const bool *)field ? "yes" : "no");
		break;
	case T_UINT:
		g_string_append_printf(out, "%u", *(const unsigned int *)field);
		break;
	case T_SIZE:
		conf_dump_size(out, *(const uint64_t *)field);
		break;
	case T_MODE:
		g_string_append_printf(out, "0%03o", *(const unsigned int *)field);
		break;
	case T_LIST:
	case T_EXTS:
	case T_NETS:
		for (char *const *w = *(char **const *)field; w != NULL && *w != NULL; w++)
			g_string_append_printf(out, "%s%s", w == *(char **const *)field ? "" : " ",
			                       *w);
		break;
	case T_ACTION:
		g_string_append(out, conf_action_name(*(const enum conf_action *)field));
		break;
	case T_DIGESTS: {
		const char *sep = "";

		for (int t = 0; t < DIGEST__COUNT; t++) {
			if (*(const unsigned int *)field & DIGEST_BIT(t)) {
				g_string_append_printf(out, "%s%s", sep,
				                       digest_name((enum digest_type)t));
				sep = " ";
			}
		}
		break;
	}
	case T_NODB:
		g_string_append(out, *(const enum conf_no_db *)field == CONF_NO_DB_TEMPFAIL
		                             ? "tempfail"
		                             : "refuse");
		break;
	case T_TYPES: {
		const bool *types = field;
		bool first = true;

		for (int t = 0; t < FTYPE__COUNT; t++) {
			if (types[t]) {
				g_string_append_printf(out, "%s%s", first ? "" : " ",
				                       ftype_name((enum ftype)t));
				first = false;
			}
		}
		break;
	}
	}
}

char *conf_dump(const struct conf *c)
{
	GString *out = g_string_new(NULL);
	const char *section = NULL;

	g_string_append_printf(out, "# effective configuration%s%s\n",
	                       c->path != NULL ? " from " : " (built-in defaults)",
	                       c->path != NULL ? c->path : "");
	for (size_t i = 0; i < G_N_ELEMENTS(conf_table); i++) {
		const struct conf_key *k = &conf_table[i];
		size_t mark;

		if (section == NULL || strcmp(section, k->section) != 0) {
			section = k->section;
			g_string_append_printf(out, "\n[%s]\n", section);
		}
		if (k->type == T_SIZE &&
		    *(const uint64_t *)((const char *)c + k->offset) == CONF_SIZE_MAX)
			g_string_append(out, "# the most a size limit can be: larger values are "
			                     "clamped to this\n");
		g_string_append_printf(out, "%s = ", k->key);
		mark = out->len;
		conf_dump_value(out, c, k);
		if (out->len == mark) {
			g_string_truncate(out, mark - 1); /* "key =" without a trailing blank */
			g_string_append_c(out, '\n');
			continue;
		}
		/*
		 * Quotes keep a value's leading and trailing white space through a round trip,
		 * and a value that itself begins with a quote (parsing strips one pair).
		 */
		if (out->len > mark &&
		    (g_ascii_isspace(out->str[mark]) || g_ascii_isspace(out->str[out->len - 1]) ||
		     out->str[mark] == '"')) {
			g_string_insert_c(out, (gssize)mark, '"');
			g_string_append_c(out, '"');
		}
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}
