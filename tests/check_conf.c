/* libcheck suite: conf — defaults, every value type, errors with file:line, round trips. */

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "tests/lib/testutil.h"

static struct conf *parse_ok(const char *text)
{
	struct conf *c = NULL;
	GError *error = NULL;

	if (conf_parse("test.conf", text, strlen(text), &c, &error) < 0)
		ck_abort_msg("parse failed: %s", error->message);
	return c;
}

/* The error message of a text that must not parse. */
static char *parse_err(const char *text)
{
	struct conf *c = NULL;
	GError *error = NULL;
	char *msg;

	ck_assert_int_eq(conf_parse("test.conf", text, strlen(text), &c, &error), -1);
	ck_assert_ptr_null(c);
	msg = g_strdup(error->message);
	g_error_free(error);
	return msg;
}

#define ck_assert_err(text, want)                                                                  \
	do {                                                                                       \
		char *m_ = parse_err(text);                                                        \
		ck_assert_msg(strstr(m_, want) != NULL, "'%s' lacks '%s'", m_, want);              \
		g_free(m_);                                                                        \
	} while (0)

START_TEST(test_defaults)
{
	struct conf *c = conf_defaults();

	ck_assert_str_eq(c->socket, "unix:/run/partscan/milter.sock");
	ck_assert_uint_eq(c->socket_mode, 0660);
	ck_assert_ptr_null(c->socket_group);
	ck_assert_str_eq(c->user, "partscan");
	ck_assert(!c->allow_root);
	ck_assert_int_eq(c->on_infected, CONF_ACTION_REJECT);
	ck_assert_int_eq(c->on_unscannable, CONF_ACTION_TAG);
	ck_assert_int_eq(c->on_error, CONF_ACTION_TEMPFAIL);
	ck_assert_uint_eq(c->limits.max_depth, 64);
	ck_assert_uint_eq(c->limits.max_message_bytes, 100u << 20);
	ck_assert(c->block_type[FTYPE_PE]);
	ck_assert(c->block_type[FTYPE_LNK]);
	ck_assert(c->block_type[FTYPE_ISO]);
	ck_assert(!c->block_type[FTYPE_PDF]);
	ck_assert(!c->block_type[FTYPE_ZIP]);
	ck_assert_str_eq(c->db_paths[0], "/var/lib/partscan");
	ck_assert_str_eq(c->db_paths[1], "/var/lib/clamav");
	ck_assert_ptr_null(c->db_paths[2]);
	ck_assert_ptr_null(c->skip_networks[0]);
	conf_free(&c);
	ck_assert_ptr_null(c);
	conf_free(&c);
}
END_TEST

START_TEST(test_values)
{
	struct conf *c = parse_ok("# comment\n"
	                          "; also a comment\n"
	                          "[milter]\n"
	                          "socket = inet:8890@127.0.0.1\n"
	                          "socket_mode = 0600\n"
	                          "allow_root = YES\n"
	                          "workers = 4\n"
	                          "hostname = \"  mx1  \"\n"
	                          "[limits]\n"
	                          "max_message_size = 10M\n"
	                          "max_part_size = 512K\n"
	                          "max_total_size = 1G\n"
	                          "max_header_size = 70000\n"
	                          "[policy]\n"
	                          "infected = strip\n"
	                          "blocked=quarantine\n"
	                          "block_types = script, pdf\n"
	                          "block_extensions = .EXE, Scr  js\n"
	                          "[skip]\n"
	                          "networks = 10.0.0.0/8 local ::1/128\n"
	                          "recipients = *@example.org\n");

	ck_assert_str_eq(c->socket, "inet:8890@127.0.0.1");
	ck_assert_uint_eq(c->socket_mode, 0600);
	ck_assert(c->allow_root);
	ck_assert_uint_eq(c->workers, 4);
	ck_assert_str_eq(c->hostname, "  mx1  ");
	ck_assert_uint_eq(c->limits.max_message_bytes, 10u << 20);
	ck_assert_uint_eq(c->limits.max_part_bytes, 512u << 10);
	ck_assert_uint_eq(c->limits.max_total_bytes, 1u << 30);
	ck_assert_uint_eq(c->limits.max_header_bytes, 70000);
	ck_assert_int_eq(c->on_infected, CONF_ACTION_STRIP);
	ck_assert_int_eq(c->on_blocked, CONF_ACTION_QUARANTINE);
	ck_assert(c->block_type[FTYPE_JS] && c->block_type[FTYPE_VBS]); /* the script family */
	ck_assert(c->block_type[FTYPE_PDF]);
	ck_assert(!c->block_type[FTYPE_PE]); /* replaced, not added to */
	ck_assert_str_eq(c->block_extensions[0], "exe");
	ck_assert_str_eq(c->block_extensions[1], "scr");
	ck_assert_str_eq(c->block_extensions[2], "js");
	ck_assert_str_eq(c->skip_networks[1], "local");
	ck_assert_str_eq(c->skip_recipients[0], "*@example.org");
	ck_assert_str_eq(c->path, "test.conf");
	conf_free(&c);
}
END_TEST

START_TEST(test_errors_name_the_line)
{
	ck_assert_err("[milter]\nsocket = unix:/x\nfrobnicate = 1\n",
	              "test.conf:3: unknown key 'frobnicate' in [milter]");
	ck_assert_err("\n[nosuch]\n", "test.conf:2: unknown section [nosuch]");
	ck_assert_err("socket = x\n", "test.conf:1: 'socket = x' is outside any [section]");
	ck_assert_err("[milter]\nallow_root = perhaps\n", "test.conf:2: milter.allow_root");
	ck_assert_err("[milter]\nworkers = -1\n", "test.conf:2:");
	ck_assert_err("[milter]\nworkers = 99999\n", "in range");
	ck_assert_err("[milter]\nsocket_mode = 660\n", "octal");
	ck_assert_err("[limits]\nmax_message_size = 10X\n", "size");
	ck_assert_err("[limits]\nmax_message_size = 99999999999999999999G\n", "size");
	ck_assert_err("[limits]\nmax_depth = 0\n", "range");
	ck_assert_err("[policy]\ninfected = explode\n", "expected accept, tag, strip");
	ck_assert_err("[policy]\nblock_types = pe, nosuchtype\n",
	              "unknown type or family 'nosuchtype'");
	ck_assert_err("[skip]\nnetworks = 10.0.0.0/33\n", "is not a network");
	/* a milter socket libmilter would refuse only at start (or listen on by surprise) */
	ck_assert_err("[milter]\nsocket = tcp:25\n",
	              "test.conf:2: milter.socket = 'tcp:25': expected unix:PATH");
	ck_assert_err("[milter]\nsocket = inet:0@127.0.0.1\n", "PORT 1 to 65535");
	ck_assert_err("[milter]\nsocket = inet:99999\n", "PORT 1 to 65535");
	ck_assert_err("[milter]\nsocket = inet:25@\n", "inet:PORT@HOST");
	ck_assert_err("[milter]\nsocket = unix:\n", "needs a path");
	ck_assert_err("[milter]\nsocket =\n", "expected unix:PATH");
	ck_assert_err("[milter]\nworkers = 1\nworkers = 2\n",
	              "test.conf:3: milter.workers is already set on line 2");
	ck_assert_err("[milter\n", "expected '[section]'");
	ck_assert_err("[milter]\njust words\n", "expected 'key = value'");
	ck_assert_err("[milter]\non_no_database = maybe\n", "refuse or tempfail");
}
END_TEST

START_TEST(test_round_trip)
{
	struct conf *c = parse_ok("[milter]\nhostname = \" spaced \"\nuser =\n"
	                          "[policy]\nreject_message = No: %v in %f\n"
	                          "block_types = executable pdf\n"
	                          "[skip]\nsenders = a@b *@c\n"),
	            *back;
	char *d1 = conf_dump(c), *d2;
	GError *error = NULL;

	ck_assert_int_eq(conf_parse("dump", d1, strlen(d1), &back, &error), 0);
	d2 = conf_dump(back);
	/* identical apart from the first line, which names the source */
	ck_assert_str_eq(strchr(d1, '\n'), strchr(d2, '\n'));
	ck_assert_str_eq(back->hostname, " spaced ");
	ck_assert_ptr_null(back->user);
	ck_assert_str_eq(back->reject_message, "No: %v in %f");
	conf_free(&c);
	conf_free(&back);
	g_free(d1);
	g_free(d2);
}
END_TEST

START_TEST(test_fuzz_regressions)
{
	/* found by fuzz_conf: a lone "." in an extension list dumped as an empty word */
	char *path = g_build_filename(TEST_DATA, "fuzz", "conf", NULL);
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;
	struct conf *c = parse_ok("[policy]\nblock_extensions = . .EXE ..\n");

	ck_assert_str_eq(c->block_extensions[0], "exe");
	ck_assert_ptr_null(c->block_extensions[1]);
	conf_free(&c);
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *file = g_build_filename(path, name, NULL), *text, *d1, *d2;
		size_t len;
		struct conf *back;
		GError *error = NULL;

		text = testutil_read(file, &len);
		if (conf_parse("fuzz", text, len, &c, &error) == 0) {
			d1 = conf_dump(c);
			ck_assert_int_eq(conf_parse("dump", d1, strlen(d1), &back, NULL), 0);
			d2 = conf_dump(back);
			ck_assert_str_eq(strchr(d1, '\n'), strchr(d2, '\n'));
			conf_free(&c);
			conf_free(&back);
			g_free(d1);
			g_free(d2);
		} else {
			g_error_free(error);
		}
		g_free(text);
		g_free(file);
	}
	if (d != NULL)
		g_dir_close(d);
	g_free(path);
}
END_TEST

START_TEST(test_sample_is_documented_defaults)
{
	/* the documented sample holds every key, with exactly the built-in defaults */
	char *path = g_build_filename(TEST_DATA, "..", "..", "conf", "partscan.conf", NULL);
	char *text = testutil_read(path, NULL);
	struct conf *c, *d = conf_defaults();
	GError *error = NULL;
	char *dc, *dd;

	ck_assert_int_eq(conf_load(path, &c, &error), 0);
	dc = conf_dump(c);
	dd = conf_dump(d);
	ck_assert_str_eq(strchr(dc, '\n'), strchr(dd, '\n'));
	for (const char *const *k = conf_keys(); *k != NULL; k++) {
		const char *key = strchr(*k, '.') + 1;
		char *line = g_strdup_printf("\n%s =", key);
		ck_assert_msg(strstr(text, line) != NULL, "partscan.conf does not document %s", *k);
		g_free(line);
	}
	conf_free(&c);
	conf_free(&d);
	g_free(dc);
	g_free(dd);
	g_free(text);
	g_free(path);
}
END_TEST

START_TEST(test_dev_conf)
{
	char *path = g_build_filename(TEST_DATA, "..", "..", "conf", "partscan-dev.conf", NULL);
	struct conf *c;
	GError *error = NULL;

	ck_assert_int_eq(conf_load(path, &c, &error), 0);
	ck_assert(c->allow_root);
	ck_assert_ptr_null(c->user);
	ck_assert_str_eq(c->db_paths[0], "contrib/test-signatures");
	ck_assert(g_str_has_prefix(c->quarantine_dir, "run/"));
	conf_free(&c);
	g_free(path);
	ck_assert_int_eq(conf_load("/nonexistent/partscan.conf", &c, &error), -1);
	ck_assert_ptr_nonnull(strstr(error->message, "/nonexistent/partscan.conf"));
	g_error_free(error);
}
END_TEST

/*
 * Size limits are clamped to what a buffer can hold (a GByteArray's guint length: GLib aborts
 * past 4 GiB), every one of them, and the dump says so; smaller values stay as given.
 */
/* [retro]: on by default, no notify, no program; the program's timeout bounded. */
START_TEST(test_retro_section)
{
	struct conf *c = parse_ok("");

	ck_assert(c->retro);
	ck_assert_ptr_null(c->retro_notify);
	ck_assert_ptr_null(c->retro_program);
	ck_assert_uint_eq(c->retro_timeout, 30);
	ck_assert_ptr_null(c->retro_state);
	conf_free(&c);
	c = parse_ok("[retro]\nenabled = no\nnotify = admin@example.org\n"
	             "program = /usr/local/bin/purge\ntimeout = 5\n"
	             "state = /var/lib/partscan-retro/state.psdb\n");
	ck_assert(!c->retro);
	ck_assert_str_eq(c->retro_notify, "admin@example.org");
	ck_assert_str_eq(c->retro_program, "/usr/local/bin/purge");
	ck_assert_uint_eq(c->retro_timeout, 5);
	ck_assert_str_eq(c->retro_state, "/var/lib/partscan-retro/state.psdb");
	conf_free(&c);
	ck_assert_err("[retro]\ntimeout = 0\n", "test.conf:2");
	ck_assert_err("[retro]\nwhatever = 1\n", "test.conf:2");
}
END_TEST

START_TEST(test_sizes_clamped)
{
	static const char text[] = "[limits]\nmax_message_size = 8G\nmax_header_size = 5G\n"
	                           "max_part_size = 4294967296\nmax_total_size = 1000G\n"
	                           "max_member_size = 2047M\n";
	const uint64_t most = (uint64_t)2047 << 20;
	struct conf *c = parse_ok(text), *back = NULL;
	char *dump = conf_dump(c);

	ck_assert_uint_eq(c->limits.max_message_bytes, most);
	ck_assert_uint_eq(c->limits.max_header_bytes, most);
	ck_assert_uint_eq(c->limits.max_part_bytes, most);
	ck_assert_uint_eq(c->limits.max_total_bytes, most);
	ck_assert_uint_eq(c->limits.max_member_bytes, most);
	ck_assert(c->limits.max_message_bytes + c->limits.max_header_bytes <= G_MAXUINT);
	ck_assert_ptr_nonnull(strstr(dump, "clamped to this\nmax_message_size = 2047M\n"));
	ck_assert_int_eq(conf_parse("dump", dump, strlen(dump), &back, NULL), 0);
	ck_assert_uint_eq(back->limits.max_message_bytes, most);
	conf_free(&back);
	conf_free(&c);
	g_free(dump);
	c = parse_ok("[limits]\nmax_message_size = 2000M\n");
	ck_assert_uint_eq(c->limits.max_message_bytes, (uint64_t)2000 << 20);
	conf_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_errors_name_the_line);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_sizes_clamped);
	tcase_add_test(tc, test_retro_section);
	tcase_add_test(tc, test_fuzz_regressions);
	tcase_add_test(tc, test_sample_is_documented_defaults);
	tcase_add_test(tc, test_dev_conf);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
