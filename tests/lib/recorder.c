/* A recording fake of the smfi_* operations (see recorder.h). Not thread safe: tests only. */

#include "tests/lib/recorder.h"

#include <string.h>

struct recorder recorder;

static int rec_add(void *ctx, const char *name, const char *value)
{
	g_ptr_array_add(recorder.calls, g_strdup_printf("add %s: %s", name, value));
	return 0;
}

static int rec_change(void *ctx, const char *name, int index, const char *value)
{
	g_ptr_array_add(recorder.calls,
	                g_strdup_printf("chg %s %d %s", name, index, value != NULL ? value : "-"));
	return 0;
}

static int rec_body(void *ctx, const unsigned char *data, size_t len)
{
	if (recorder.fail_body)
		return -1;
	g_byte_array_append(recorder.body, data, (guint)len);
	g_ptr_array_add(recorder.calls, g_strdup_printf("body %zu", len));
	return 0;
}

static int rec_hold(void *ctx, const char *reason)
{
	g_ptr_array_add(recorder.calls, g_strdup_printf("hold %s", reason));
	return 0;
}

static int rec_reply(void *ctx, const char *rcode, const char *xcode, const char *text)
{
	g_ptr_array_add(recorder.calls, g_strdup_printf("reply %s %s %s", rcode, xcode, text));
	return 0;
}

const struct actions_ops recorder_ops = {rec_add, rec_change, rec_body, rec_hold, rec_reply};

void recorder_init(void)
{
	recorder.calls = g_ptr_array_new_with_free_func(g_free);
	recorder.body = g_byte_array_new();
	recorder.fail_body = false;
}

void recorder_clear(void)
{
	g_ptr_array_free(recorder.calls, TRUE);
	g_byte_array_free(recorder.body, TRUE);
	memset(&recorder, 0, sizeof(recorder));
}

bool recorder_called(const char *call)
{
	for (guint i = 0; i < recorder.calls->len; i++) {
		if (strcmp(recorder.calls->pdata[i], call) == 0)
			return true;
	}
	return false;
}

bool recorder_called_prefix(const char *prefix)
{
	for (guint i = 0; i < recorder.calls->len; i++) {
		if (g_str_has_prefix(recorder.calls->pdata[i], prefix))
			return true;
	}
	return false;
}
