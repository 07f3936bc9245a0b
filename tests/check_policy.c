/* libcheck suite: policy — the decision table, on hand-made reports. */

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "tests/lib/testutil.h"

#include <archive.h>
#include <archive_entry.h>

static struct conf *conf;

static void setup(void)
{
	conf = conf_defaults();
}

static void teardown(void)
{
	conf_free(&conf);
}

static struct msg_report *report_new(void)
{
	struct msg_report *r = g_new0(struct msg_report, 1);

	r->parts = g_ptr_array_new();
	r->notes = g_ptr_array_new();
	return r;
}

/* A scanned part; infected: signature name or NULL. */
static struct msg_part *part_add(struct msg_report *r, const char *path, const char *name,
                                 enum ftype type, const char *infected, unsigned int flags)
{
	struct msg_part *p = g_new0(struct msg_part, 1);

	p->path = g_strdup(path);
	p->name = g_strdup(name);
	p->content_type = g_strdup("application/octet-stream");
	p->scanned = !(flags & MSG_PART_ENCRYPTED);
	p->scan.type.type = type;
	p->flags = flags;
	p->parent = -1;
	p->decoded_size = 100;
	if (infected != NULL) {
		p->scan.n_findings = 1;
		p->scan.findings[0].name = infected;
		p->scan.findings[0].kind = SIGDB_DETECT;
	}
	g_ptr_array_add(r->parts, p);
	return p;
}

/* A copy of p's bytes (msgscan.h, COPIES) found by found_by, named name. */
static struct msg_copy *copy_add(struct msg_part *p, const char *found_by, const char *name,
                                 int parent, uint64_t raw_begin, uint64_t raw_end)
{
	struct msg_copy *c = g_new0(struct msg_copy, 1);

	c->found_by = g_strdup(found_by);
	c->name = g_strdup(name);
	c->parent = parent;
	c->raw_begin = raw_begin;
	c->raw_end = raw_end;
	if (p->copies == NULL)
		p->copies = msg_part_copies_new();
	g_ptr_array_add(p->copies, c);
	return c;
}

static void report_free(struct msg_report *r)
{
	for (guint i = 0; i < r->parts->len; i++) {
		struct msg_part *p = r->parts->pdata[i];
		if (p->copies != NULL)
			g_ptr_array_free(p->copies, TRUE);
		g_free(p->path);
		g_free(p->name);
		g_free(p->content_type);
		g_free(p);
	}
	g_ptr_array_free(r->parts, TRUE);
	g_ptr_array_free(r->notes, TRUE);
	g_free(r);
}

static void decide(const struct msg_report *r, struct policy_plan *plan)
{
	policy_decide(conf, &(struct policy_input){.report = r}, plan);
}

START_TEST(test_clean)
{
	struct msg_report *r = report_new();
	struct policy_plan plan;

	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	part_add(r, "2", "report.pdf", FTYPE_PDF, NULL, 0);
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_ACCEPT);
	ck_assert_int_eq(plan.cls, POLICY_CLEAN);
	ck_assert_uint_eq(plan.classes, 0);
	ck_assert_str_eq(plan.status, "Clean");
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

START_TEST(test_infected_reject)
{
	struct msg_report *r = report_new();
	struct policy_plan plan;

	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	part_add(r, "2", "eicar.com.txt", FTYPE_TEXT, "Eicar-Test-Signature", 0);
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	ck_assert_int_eq(plan.cls, POLICY_INFECTED);
	ck_assert_str_eq(plan.status, "Infected (Eicar-Test-Signature)");
	ck_assert_str_eq(plan.reply, "Message rejected: Eicar-Test-Signature (eicar.com.txt)");
	ck_assert_msg(strstr(plan.summary, "infected: Eicar-Test-Signature in eicar") != NULL, "%s",
	              plan.summary);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

/* The table of names and types the default policy blocks, and those it lets through. */
static const struct {
	const char *name;
	enum ftype type;
	const char *reason; /* NULL: not blocked */
} block_table[] = {
        {"setup.exe", FTYPE_TEXT, "extension .exe"},
        {"SETUP.EXE", FTYPE_BINARY, "extension .exe"},
        {"run.js", FTYPE_TEXT, "extension .js"},
        {"report.pdf", FTYPE_PE, "executable pe"},
        {NULL, FTYPE_ELF, "executable elf"},
        {"shortcut.txt", FTYPE_LNK, "shortcut lnk"},
        {"disk.bin", FTYPE_ISO, "diskimage iso"},
        {"invoice.pdf.exe", FTYPE_PE, "double extension invoice.pdf.exe"},
        {"invoice.pdf      .exe", FTYPE_TEXT, "double extension"},
        {"photo.jpg.lnk", FTYPE_BINARY, "double extension photo.jpg.lnk"},
        {"invoice.pdf.exe.", FTYPE_BINARY, "double extension"},
        {"C:\\Users\\x\\doc.docx.scr", FTYPE_BINARY, "double extension doc.docx.scr"},
        /* NTFS alternate data streams and what Windows drops at the end of a name */
        {"evil.js::$DATA", FTYPE_TEXT, "extension .js"},
        {"evil.JS:Zone.Identifier:$DATA", FTYPE_TEXT, "extension .js"},
        {"C:evil.vbs::$DATA", FTYPE_TEXT, "extension .vbs"},
        {"evil.exe.", FTYPE_BINARY, "extension .exe"},
        {"evil.exe ", FTYPE_BINARY, "extension .exe"},
        {"evil.exe . .", FTYPE_BINARY, "extension .exe"},
        {"evil.exe::$DATA  ", FTYPE_BINARY, "extension .exe"},
        {"invoice.pdf.exe::$DATA", FTYPE_BINARY, "double extension"},
        {"archive.tar.gz", FTYPE_GZIP, NULL},
        {"report.pdf", FTYPE_PDF, NULL},
        {"notes.txt", FTYPE_TEXT, NULL},
        {"data.2024.csv", FTYPE_TEXT, NULL},
        {"my.program.exe.zip", FTYPE_ZIP, NULL},
        {"letter.docx", FTYPE_DOCX, NULL},
        {NULL, FTYPE_HTML, NULL},
};

START_TEST(test_block_table)
{
	for (size_t i = 0; i < G_N_ELEMENTS(block_table); i++) {
		struct msg_part p = {.name = (char *)block_table[i].name, .scanned = true};
		char *why = NULL;
		bool blocked;

		p.scan.type.type = block_table[i].type;
		blocked = policy_part_blocked(conf, &p, &why);
		if (block_table[i].reason == NULL) {
			ck_assert_msg(!blocked, "%s blocked: %s", block_table[i].name, why);
		} else {
			ck_assert_msg(blocked, "%s (%s) not blocked", block_table[i].name,
			              ftype_name(block_table[i].type));
			ck_assert_msg(strstr(why, block_table[i].reason) != NULL,
			              "%s: '%s' lacks '%s'", block_table[i].name, why,
			              block_table[i].reason);
		}
		g_free(why);
	}
}
END_TEST

/*
 * The other name of a part (Content-Type name= beside a different Content-Disposition
 * filename=: the one Outlook shows) is judged like its name.
 */
START_TEST(test_block_alt_name)
{
	struct msg_part p = {.name = "invoice.pdf", .alt_name = "invoice.pdf.exe", .scanned = true};
	char *why = NULL;

	p.scan.type.type = FTYPE_PDF;
	ck_assert(policy_part_blocked(conf, &p, &why));
	ck_assert_str_eq(why, "double extension invoice.pdf.exe");
	g_free(why);
	why = NULL;
	p.alt_name = "setup.exe";
	ck_assert(policy_part_blocked(conf, &p, &why));
	ck_assert_str_eq(why, "extension .exe");
	g_free(why);
	why = NULL;
	p.alt_name = "report.pdf";
	ck_assert(!policy_part_blocked(conf, &p, &why));
}
END_TEST

/*
 * The names of a copy of a part's bytes (another reading shows the same bytes under other
 * headers, msgscan.h COPIES) are judged like the part's: the reason says which name and who
 * gives it; a message blocked by them is blocked whatever the part is called in GMime's tree.
 */
START_TEST(test_block_copy_names)
{
	struct msg_report *r = report_new();
	struct msg_part *p;
	struct msg_copy *c;
	struct policy_plan plan;
	char *why = NULL;

	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	p = part_add(r, "2", "notes.txt", FTYPE_TEXT, NULL, 0);
	p->raw_begin = 300, p->body_begin = 360, p->raw_end = 500;
	c = copy_add(p, "the first-header reading", "notes.txt", -1, 600, 700);
	ck_assert(!policy_part_blocked(conf, p, &why));
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_ACCEPT);
	policy_plan_clear(&plan);

	g_free(c->name);
	c->name = g_strdup("invoice.js");
	ck_assert(policy_part_blocked(conf, p, &why));
	ck_assert_str_eq(why, "extension .js (named invoice.js by the first-header reading)");
	g_free(why);
	decide(r, &plan);
	ck_assert_int_eq(plan.cls, POLICY_BLOCKED);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	ck_assert_str_eq(plan.reply, "Message rejected: extension .js (named invoice.js by the "
	                             "first-header reading) (notes.txt)");
	policy_plan_clear(&plan);

	/* its Content-Type name, and the Windows readings of a name, as for the part's own */
	g_free(c->name);
	c->name = g_strdup("notes.txt");
	c->alt_name = g_strdup("run.vbs::$DATA");
	ck_assert(policy_part_blocked(conf, p, &why));
	ck_assert_str_eq(why, "extension .vbs (named run.vbs::$DATA by the first-header reading)");
	g_free(why);

	/* with strip: the named copy lies outside the part's entity, the message is held */
	conf->on_blocked = CONF_ACTION_STRIP;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	ck_assert_ptr_nonnull(plan.fallback);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

START_TEST(test_block_configurable)
{
	struct msg_part p = {.name = "setup.exe", .scanned = true};
	char *why = NULL;

	p.scan.type.type = FTYPE_PE;
	conf_free(&conf);
	{
		const char *text = "[policy]\nblock_types = archive\nblock_extensions =\n"
		                   "block_double_extensions = no\n";
		GError *error = NULL;
		ck_assert_int_eq(conf_parse("t", text, strlen(text), &conf, &error), 0);
	}
	ck_assert(!policy_part_blocked(conf, &p, &why));
	p.scan.type.type = FTYPE_7Z;
	ck_assert(policy_part_blocked(conf, &p, &why));
	ck_assert_str_eq(why, "archive 7z");
	g_free(why);
}
END_TEST

/*
 * Encrypted content is a hiding place: by default it is quarantined ([policy] encrypted),
 * whatever [policy] unscannable says, and one line delivers it again. The names of an
 * encrypted zip's members are judged like any name.
 */
START_TEST(test_encrypted_default)
{
	struct msg_report *r = report_new();
	struct policy_plan plan;
	struct conf *tagged = NULL;
	const char *text = "[policy]\nencrypted = tag\n";
	GError *error = NULL;

	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	part_add(r, "2", "secret.zip", FTYPE_ZIP, NULL, MSG_PART_CONTAINER);
	part_add(r, "2/zip:report.docx", "report.docx", FTYPE_BINARY, NULL,
	         MSG_PART_ARCHIVE_MEMBER | MSG_PART_ENCRYPTED);
	decide(r, &plan);
	ck_assert_int_eq(plan.cls, POLICY_UNSCANNABLE);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	ck_assert_str_eq(plan.status, "Unscannable (encrypted)");
	policy_plan_clear(&plan);

	ck_assert_int_eq(conf_parse("t", text, strlen(text), &tagged, &error), 0);
	policy_decide(tagged, &(struct policy_input){.report = r}, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_TAG);
	policy_plan_clear(&plan);
	/* the stricter of unscannable and encrypted */
	tagged->on_unscannable = CONF_ACTION_REJECT;
	policy_decide(tagged, &(struct policy_input){.report = r}, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	policy_plan_clear(&plan);
	conf_free(&tagged);

	/* the member's name is readable: a double extension is blocked, encrypted or not */
	part_add(r, "2/zip:invoice.pdf.exe", "invoice.pdf.exe", FTYPE_BINARY, NULL,
	         MSG_PART_ARCHIVE_MEMBER | MSG_PART_ENCRYPTED);
	decide(r, &plan);
	ck_assert_int_eq(plan.cls, POLICY_BLOCKED);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

START_TEST(test_unscannable_tag)
{
	struct msg_report *r = report_new();
	struct policy_plan plan;

	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	part_add(r, "2", "secret.zip", FTYPE_ZIP, NULL, MSG_PART_TRUNCATED);
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_TAG);
	ck_assert_int_eq(plan.cls, POLICY_UNSCANNABLE);
	ck_assert_str_eq(plan.status, "Unscannable (truncated)");
	policy_plan_clear(&plan);

	/* a message-wide limit (from the milter's buffer) */
	report_free(r);
	r = report_new();
	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	policy_decide(
	        conf,
	        &(struct policy_input){.report = r, .unscannable = "message larger than 10 bytes"},
	        &plan);
	ck_assert_int_eq(plan.cls, POLICY_UNSCANNABLE);
	ck_assert_str_eq(plan.status, "Unscannable (message larger than 10 bytes)");
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

START_TEST(test_error_tempfail)
{
	struct policy_plan plan;

	policy_decide(conf, &(struct policy_input){.error = "scan failed: out of luck"}, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_TEMPFAIL);
	ck_assert_int_eq(plan.cls, POLICY_ERROR);
	ck_assert_str_eq(plan.reply, "Message could not be scanned, try again later");
	ck_assert_str_eq(plan.status, "Error (scan failed: out of luck)");
	policy_plan_clear(&plan);
}
END_TEST

START_TEST(test_stale_signatures)
{
	struct msg_report *r = report_new();
	struct policy_plan plan;
	struct policy_input in = {.stale = "signatures built 9 days ago"};

	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	in.report = r;
	policy_decide(conf, &in, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_TAG);
	ck_assert_int_eq(plan.cls, POLICY_STALE);
	ck_assert_str_eq(plan.status, "Stale signatures (signatures built 9 days ago)");
	policy_plan_clear(&plan);
	/* the freshness gate can hold mail back too; a real finding still wins */
	conf->on_stale_db = CONF_ACTION_TEMPFAIL;
	policy_decide(conf, &in, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_TEMPFAIL);
	policy_plan_clear(&plan);
	part_add(r, "2", "x.doc", FTYPE_DOC, "Doc.Bad", 0);
	policy_decide(conf, &in, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	ck_assert_int_eq(plan.cls, POLICY_INFECTED);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

START_TEST(test_precedence)
{
	struct msg_report *r = report_new();
	struct policy_plan plan;

	part_add(r, "1", "a.exe", FTYPE_PE, "Bad.Thing", 0);
	part_add(r, "2", "b.zip", FTYPE_ZIP, NULL, MSG_PART_ENCRYPTED);
	/* infected=tag, unscannable=quarantine: quarantine is more severe */
	conf->on_encrypted = CONF_ACTION_TAG;
	conf->on_infected = CONF_ACTION_TAG;
	conf->on_blocked = CONF_ACTION_TAG;
	conf->on_unscannable = CONF_ACTION_QUARANTINE;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	ck_assert_int_eq(plan.cls, POLICY_UNSCANNABLE);
	ck_assert_uint_eq(plan.classes, (1u << POLICY_INFECTED) | (1u << POLICY_BLOCKED) |
	                                        (1u << POLICY_UNSCANNABLE));
	policy_plan_clear(&plan);
	/* equal actions: the worst class names the status */
	conf->on_unscannable = CONF_ACTION_TAG;
	decide(r, &plan);
	ck_assert_int_eq(plan.cls, POLICY_INFECTED);
	ck_assert_str_eq(plan.status, "Infected (Bad.Thing)");
	policy_plan_clear(&plan);
	/* discard beats tempfail, reject beats discard */
	conf->on_infected = CONF_ACTION_TEMPFAIL;
	conf->on_blocked = CONF_ACTION_DISCARD;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_DISCARD);
	policy_plan_clear(&plan);
	conf->on_unscannable = CONF_ACTION_REJECT;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	ck_assert_int_eq(plan.cls, POLICY_UNSCANNABLE);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

START_TEST(test_strip_entities)
{
	struct msg_report *r = report_new();
	struct msg_part *body, *att, *uu, *inner;
	struct policy_plan plan;

	conf->on_infected = CONF_ACTION_STRIP;
	conf->on_blocked = CONF_ACTION_STRIP;
	body = part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	body->raw_begin = 300, body->body_begin = 350, body->raw_end = 400;
	att = part_add(r, "2", "clean.pdf", FTYPE_PDF, NULL, 0);
	att->raw_begin = 500, att->body_begin = 560, att->raw_end = 900;
	/* uuencoded content inside the text body: strip the body entity holding it */
	uu = part_add(r, "1/uu:x.exe", "x.exe", FTYPE_PE, NULL, MSG_PART_UUENCODED);
	uu->parent = 0;
	inner = part_add(r, "3", "virus.doc", FTYPE_DOC, "Doc.Bad", 0);
	inner->raw_begin = 1000, inner->body_begin = 1050, inner->raw_end = 2000;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_STRIP);
	ck_assert_uint_eq(plan.strip->len, 2);
	ck_assert_int_eq(g_array_index(plan.strip, int, 0), 0);
	ck_assert_int_eq(g_array_index(plan.strip, int, 1), 3);
	policy_plan_clear(&plan);
	report_free(r);

	/* only a message-wide reason: nothing strip can remove, the message is held */
	conf->on_unscannable = CONF_ACTION_STRIP;
	r = report_new();
	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	policy_decide(
	        conf,
	        &(struct policy_input){.report = r, .unscannable = "message larger than 1 bytes"},
	        &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

/* Archive members: blocked like any part; strip removes the MIME entity holding the archive. */
START_TEST(test_archive_members)
{
	struct msg_report *r = report_new();
	struct msg_part *zip, *inner, *exe;
	struct policy_plan plan;

	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	zip = part_add(r, "2", "invoice.zip", FTYPE_ZIP, NULL, MSG_PART_CONTAINER);
	zip->raw_begin = 500, zip->body_begin = 560, zip->raw_end = 900;
	inner = part_add(r, "2/zip:in.7z", "in.7z", FTYPE_7Z, NULL,
	                 MSG_PART_ARCHIVE_MEMBER | MSG_PART_CONTAINER);
	inner->parent = 1;
	exe = part_add(r, "2/zip:in.7z/7z:docs/setup.exe", "docs/setup.exe", FTYPE_PE, NULL,
	               MSG_PART_ARCHIVE_MEMBER);
	exe->parent = 2;
	ck_assert_int_eq(policy_entity(r, 3), 1);
	decide(r, &plan);
	ck_assert_int_eq(plan.cls, POLICY_BLOCKED);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	ck_assert_str_eq(plan.status, "Blocked (extension .exe)");
	policy_plan_clear(&plan);
	conf->on_blocked = CONF_ACTION_STRIP;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_STRIP);
	ck_assert_uint_eq(plan.strip->len, 1);
	ck_assert_int_eq(g_array_index(plan.strip, int, 0), 1);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

START_TEST(test_sanitize)
{
	struct msg_report *r = report_new();
	struct policy_plan plan;
	char *s;

	part_add(r, "2", "100%\r\nevil\x01.exe", FTYPE_PE, "Sig%s", 0);
	decide(r, &plan);
	ck_assert_str_eq(plan.reply, "Message rejected: Sig%%s (100%%??evil?.exe)");
	ck_assert_str_eq(plan.status, "Infected (Sig%s)");
	policy_plan_clear(&plan);
	report_free(r);
	s = policy_sanitize("caf\xc3\xa9 \xe2\x82\xac!", 100, false);
	ck_assert_str_eq(s, "caf? ?!");
	g_free(s);
	s = policy_sanitize("abcdef", 3, false);
	ck_assert_str_eq(s, "abc");
	g_free(s);
}
END_TEST

/* The report of one file scanned as an attachment, with the test signatures. */
static struct msg_report *scan_attachment(const char *name, const void *data, size_t len)
{
	const char *paths[] = {TEST_DATA "/../../contrib/test-signatures", NULL};
	struct msg_scan_options o = {.limits = &conf->limits};
	struct msg_report *r = NULL;
	struct sigdb *db = NULL;
	GError *error = NULL;

	ck_assert_msg(sigdb_load(paths, NULL, &db, &error) == 0, "%s",
	              error != NULL ? error->message : "");
	ck_assert_msg(msg_scan_attachment(db, name, data, len, &o, &r, &error) == 0, "%s",
	              error != NULL ? error->message : "");
	sigdb_unref(&db);
	return r;
}

static struct msg_report *scan_fixture(const char *name)
{
	char *path = g_build_filename(TEST_DATA, "ftype", name, NULL);
	size_t len;
	char *data = testutil_read(path, &len);
	struct msg_report *r = scan_attachment(name, data, len);

	g_free(data);
	g_free(path);
	return r;
}

/* A zip of one text file and one symbolic link (as `zip -y` stores it). */
static GBytes *zip_with_symlink(void)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t cap = 4096, used = 0;
	char *buf = g_malloc0(cap);

	archive_write_set_format_zip(a);
	ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	archive_entry_set_pathname(e, "notes.txt");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 6);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, "hello\n", 6), 6);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "passwd");
	archive_entry_set_filetype(e, AE_IFLNK);
	archive_entry_set_perm(e, 0777);
	archive_entry_set_symlink(e, "/etc/passwd");
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_free(e);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return g_bytes_new_take(buf, used);
}

/*
 * What was not seen is not clean: the class of reports of real files whose contents could
 * not be read (ARJ: no reader; an LZMA stream asking for a 1 GiB dictionary; an encrypted
 * zip) is unscannable, with the configured action, and the reason names what happened.
 */
START_TEST(test_unscannable_contents)
{
	static const char *const files[] = {"archive.arj", "encrypted.zip"};
	struct policy_plan plan;
	struct msg_report *r;

	conf->on_unscannable = CONF_ACTION_REJECT;
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		r = scan_fixture(files[i]);
		decide(r, &plan);
		ck_assert_msg(plan.cls == POLICY_UNSCANNABLE, "%s: %s (%s)", files[i],
		              policy_class_name(plan.cls), plan.summary);
		ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
		policy_plan_clear(&plan);
		msg_report_free(&r);
	}
	{
		char *path = g_build_filename(TEST_DATA, "ftype", "hello.txt.lzma", NULL);
		size_t len;
		unsigned char *lz = (unsigned char *)testutil_read(path, &len);

		ck_assert_uint_gt(len, 13);
		lz[1] = 0, lz[2] = 0, lz[3] = 0, lz[4] = 0x40; /* dictionary: 1 GiB */
		r = scan_attachment("bomb.lzma", lz, len);
		decide(r, &plan);
		ck_assert_msg(plan.cls == POLICY_UNSCANNABLE, "lzma bomb: %s (%s)",
		              policy_class_name(plan.cls), plan.summary);
		/* its header claims more than max_decoder_memory: not opened, the limit named */
		ck_assert_msg(strstr(plan.summary, "limit") != NULL, "%s", plan.summary);
		policy_plan_clear(&plan);
		msg_report_free(&r);
		g_free(lz);
		g_free(path);
	}
}
END_TEST

/* A link has no content of its own: a zip of a text file and a symlink is clean. */
START_TEST(test_symlink_member)
{
	GBytes *zip = zip_with_symlink();
	struct msg_report *r =
	        scan_attachment("links.zip", g_bytes_get_data(zip, NULL), g_bytes_get_size(zip));
	struct policy_plan plan;
	const char *reason;

	conf->on_unscannable = CONF_ACTION_REJECT;
	decide(r, &plan);
	ck_assert_msg(plan.cls == POLICY_CLEAN, "%s", plan.summary);
	ck_assert_int_eq(plan.action, CONF_ACTION_ACCEPT);
	ck_assert(!msg_report_unscannable(r, &reason));
	policy_plan_clear(&plan);
	msg_report_free(&r);
	g_bytes_unref(zip);
}
END_TEST

/* Hand-made parts: every reason msgscan gives for "not (entirely) scanned" is unscannable. */
START_TEST(test_unscannable_flags)
{
	static const unsigned int flags[] = {MSG_PART_OPAQUE,
	                                     MSG_PART_ENCRYPTED,
	                                     MSG_PART_LIMIT,
	                                     MSG_PART_TRUNCATED,
	                                     MSG_PART_PARTIAL,
	                                     MSG_PART_SCAN_ERROR,
	                                     0};

	for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
		struct msg_report *r = report_new();
		struct msg_part *p;
		struct policy_plan plan;

		part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
		p = part_add(r, "2", "data.bin", FTYPE_BINARY, NULL, flags[i]);
		p->scanned = flags[i] != 0; /* 0: a member never read, without a flag */
		decide(r, &plan);
		ck_assert_msg(plan.cls == POLICY_UNSCANNABLE, "flag %#x: %s", flags[i],
		              policy_class_name(plan.cls));
		ck_assert_msg(policy_part_unscannable(p, NULL), "flag %#x", flags[i]);
		policy_plan_clear(&plan);
		report_free(r);
	}
}
END_TEST

/*
 * strip cannot remove what no MIME entity holds (a sweep find in the preamble, a
 * message-wide reason): the message is quarantined instead, and the plan says why.
 */
START_TEST(test_strip_fallback)
{
	struct msg_report *r = report_new();
	struct msg_part *att, *sweep;
	struct policy_plan plan;

	conf->on_infected = CONF_ACTION_STRIP;
	conf->on_blocked = CONF_ACTION_STRIP;
	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY)->raw_end = 10;
	att = part_add(r, "2", "a.doc", FTYPE_DOC, "Doc.Bad", 0);
	att->raw_begin = 500, att->body_begin = 560, att->raw_end = 900;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_STRIP);
	ck_assert_ptr_null(plan.fallback);
	policy_plan_clear(&plan);
	sweep = part_add(r, "sweep1", "pre.exe", FTYPE_PE, "Win.Bad", MSG_PART_SWEEP);
	(void)sweep;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	ck_assert_int_eq(plan.cls, POLICY_INFECTED);
	ck_assert_ptr_nonnull(plan.fallback);
	ck_assert_msg(strstr(plan.summary, "strip") != NULL &&
	                      strstr(plan.summary, "quarantine") != NULL,
	              "%s", plan.summary);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

/*
 * A copy of an offending part's bytes that another reading or the raw sweep found and that
 * was not made a part (the same bytes were scanned): strip may be trusted only when it
 * removes the copy too, its bytes lying in a stripped entity (or in the entity holding its
 * parent); otherwise the message is held, as for a part only another reading shows.
 */
START_TEST(test_strip_copies)
{
	struct msg_report *r = report_new();
	struct msg_part *text, *att, *zip, *member;
	struct msg_copy *c;
	struct policy_plan plan;

	conf->on_infected = CONF_ACTION_STRIP;
	conf->on_blocked = CONF_ACTION_STRIP;
	text = part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY);
	text->raw_begin = 100, text->body_begin = 150, text->raw_end = 200;
	att = part_add(r, "2", "a.doc", FTYPE_DOC, "Doc.Bad", 0);
	att->raw_begin = 300, att->body_begin = 360, att->raw_end = 500;

	/* the first-header reading sees the attachment where GMime does */
	c = copy_add(att, "the first-header reading", "a.doc", -1, 360, 500);
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_STRIP);
	ck_assert_ptr_null(plan.fallback);
	ck_assert_uint_eq(plan.strip->len, 1);
	ck_assert_int_eq(g_array_index(plan.strip, int, 0), 1);
	policy_plan_clear(&plan);

	/* ... and under another boundary, after GMime's closing one: held */
	c->raw_begin = 600, c->raw_end = 700;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	ck_assert_int_eq(plan.cls, POLICY_INFECTED);
	ck_assert_uint_eq(plan.strip->len, 0);
	ck_assert_ptr_nonnull(plan.fallback);
	ck_assert_msg(strstr(plan.fallback, "the first-header reading shows a copy") != NULL, "%s",
	              plan.fallback);
	ck_assert_msg(strstr(plan.summary, "quarantined instead") != NULL, "%s", plan.summary);
	policy_plan_clear(&plan);

	/* inside an entity that is not stripped (the text body): held too */
	c->raw_begin = 150, c->raw_end = 200;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	policy_plan_clear(&plan);

	/* not in the message's bytes and in no entity (a reading of the top message whose body
	   was rewritten): held */
	c->raw_begin = c->raw_end = 0;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	policy_plan_clear(&plan);

	/* found inside the decoded bytes of the stripped part itself (parent 2): removed with it */
	c->parent = 1;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_STRIP);
	policy_plan_clear(&plan);
	report_free(r);

	/* a copy of the archive that holds the offending member: the archive's copy must go too */
	r = report_new();
	part_add(r, "1", NULL, FTYPE_TEXT, NULL, MSG_PART_BODY)->raw_end = 10;
	zip = part_add(r, "2", "a.zip", FTYPE_ZIP, NULL, MSG_PART_CONTAINER);
	zip->raw_begin = 300, zip->body_begin = 360, zip->raw_end = 500;
	member = part_add(r, "2/zip:a.exe", "a.exe", FTYPE_PE, "Win.Bad", MSG_PART_ARCHIVE_MEMBER);
	member->parent = 1;
	copy_add(zip, "the raw sweep", "a.zip", -1, 600, 700);
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_QUARANTINE);
	ck_assert_msg(strstr(plan.fallback, "Win.Bad in a.exe (the raw sweep shows a copy") != NULL,
	              "%s", plan.fallback);
	policy_plan_clear(&plan);
	/* a copy of a clean part changes nothing */
	((struct msg_copy *)zip->copies->pdata[0])->raw_begin = 360;
	((struct msg_copy *)zip->copies->pdata[0])->raw_end = 500;
	copy_add(r->parts->pdata[0], "the raw sweep", NULL, -1, 600, 700);
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_STRIP);
	policy_plan_clear(&plan);
	/* tag or reject: where the copies lie does not matter */
	conf->on_infected = CONF_ACTION_REJECT;
	conf->on_blocked = CONF_ACTION_REJECT;
	((struct msg_copy *)zip->copies->pdata[0])->raw_begin = 600;
	((struct msg_copy *)zip->copies->pdata[0])->raw_end = 700;
	decide(r, &plan);
	ck_assert_int_eq(plan.action, CONF_ACTION_REJECT);
	ck_assert_ptr_null(plan.fallback);
	policy_plan_clear(&plan);
	report_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_infected_reject);
	tcase_add_test(tc, test_block_table);
	tcase_add_test(tc, test_block_alt_name);
	tcase_add_test(tc, test_block_copy_names);
	tcase_add_test(tc, test_block_configurable);
	tcase_add_test(tc, test_unscannable_tag);
	tcase_add_test(tc, test_encrypted_default);
	tcase_add_test(tc, test_error_tempfail);
	tcase_add_test(tc, test_stale_signatures);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_strip_entities);
	tcase_add_test(tc, test_archive_members);
	tcase_add_test(tc, test_sanitize);
	tcase_add_test(tc, test_unscannable_contents);
	tcase_add_test(tc, test_symlink_member);
	tcase_add_test(tc, test_unscannable_flags);
	tcase_add_test(tc, test_strip_fallback);
	tcase_add_test(tc, test_strip_copies);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
