/*
 * skip: client networks and address patterns (see skip.h). Networks are parsed by GIO's
 * GInetAddressMask at each connection (a handful of entries: cheaper than caching state
 * across reloads).
 */

#include "milter/skip.h"

#include <fnmatch.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <string.h>

static GInetAddress *skip_inet(const struct sockaddr *sa)
{
	if (sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET)
		return g_inet_address_new_from_bytes(
		        (const guint8 *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		        G_SOCKET_FAMILY_IPV4);
	if (sa->sa_family == AF_INET6)
		return g_inet_address_new_from_bytes(
		        (const guint8 *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		        G_SOCKET_FAMILY_IPV6);
	return NULL;
}

bool skip_client(const struct conf *conf, const struct sockaddr *sa)
{
	GInetAddress *addr;
	bool skip = false;

	if (conf->skip_networks == NULL || conf->skip_networks[0] == NULL)
		return false;
	addr = skip_inet(sa);
	for (char **n = conf->skip_networks; *n != NULL && !skip; n++) {
		if (g_ascii_strcasecmp(*n, "local") == 0) {
			skip = addr == NULL || g_inet_address_get_is_loopback(addr);
		} else if (addr != NULL) {
			GInetAddressMask *mask = g_inet_address_mask_new_from_string(*n, NULL);

			if (mask != NULL) {
				skip = g_inet_address_mask_matches(mask, addr);
				g_object_unref(mask);
			}
		}
	}
	if (addr != NULL)
		g_object_unref(addr);
	return skip;
}

char *skip_address(const char *addr)
{
	char *a = g_strdup(addr != NULL ? addr : ""), *low;
	size_t n;

	g_strstrip(a);
	n = strlen(a);
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		memmove(a, a + 1, n - 2);
		a[n - 2] = '\0';
	}
	low = g_ascii_strdown(a, -1);
	g_free(a);
	return low;
}

static bool skip_match(char *const *patterns, const char *addr)
{
	char *a = skip_address(addr);
	bool hit = false;

	for (; patterns != NULL && *patterns != NULL && !hit; patterns++)
		hit = fnmatch(*patterns, a, FNM_CASEFOLD) == 0;
	g_free(a);
	return hit;
}

bool skip_sender(const struct conf *conf, const char *sender, bool authenticated)
{
	if (authenticated && conf->skip_authenticated)
		return true;
	return skip_match(conf->skip_senders, sender);
}

bool skip_recipients(const struct conf *conf, const char *const *recipients)
{
	if (conf->skip_recipients == NULL || conf->skip_recipients[0] == NULL ||
	    recipients == NULL || recipients[0] == NULL)
		return false;
	for (; *recipients != NULL; recipients++) {
		if (!skip_match(conf->skip_recipients, *recipients))
			return false;
	}
	return true;
}
