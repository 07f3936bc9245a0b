#ifndef PARTSCAN_CLI_H
#define PARTSCAN_CLI_H

/* The partscan command: shared pieces of its subcommands. */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/sigdb.h"

/* Exit codes of every subcommand. */
#define CLI_EXIT_CLEAN 0
#define CLI_EXIT_FOUND 1
#define CLI_EXIT_ERROR 2

/* Signature paths used when no -d is given: those of them that exist. */
extern const char *const cli_default_db_paths[];

/*
 * Load the signatures of paths (NULL or empty: the defaults), printing warnings to stderr.
 * Returns 0, or -1 after printing the error. A database with no signatures is an error here:
 * scanning with nothing to find would report every file clean.
 */
int cli_load_db(char **paths, bool strict, bool pua, struct sigdb **db_r);

void cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void cli_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*
 * A value that came with the mail (a file name, a Message-ID, an address) fit for one field
 * of a line of text output: control characters and the backslash escaped (\n, \t, \r, \\,
 * \xHH), so that it can neither end the line, split the field nor drive the terminal.
 * NULL or empty: "-". Returns a new string.
 */
char *cli_printable(const char *s);

/* Parse a subcommand's options; on failure print the reason and usage, return false. */
bool cli_parse(GOptionContext *ctx, int *argc, char ***argv);

/* --version: the version and the signatures on disk. */
void cli_version(void);

struct conf;
/* The configuration: path, else /etc/partscan/partscan.conf if present, else defaults. */
int cli_load_conf(const char *path, struct conf **conf_r);

int cli_cmd_scan(int argc, char **argv);
int cli_cmd_ctl(int argc, char **argv);
int cli_cmd_quarantine(int argc, char **argv);
int cli_cmd_hash(int argc, char **argv);
int cli_cmd_db(int argc, char **argv);
int cli_cmd_hunt(int argc, char **argv);

struct index;
/*
 * hunt --signatures: load files (any signature format), look every whole-part detection up
 * in idx among messages with since <= time < until (0: unbounded), print each part found
 * (plain, or one JSON object per line). Returns CLI_EXIT_FOUND when something was found,
 * CLI_EXIT_CLEAN when not, CLI_EXIT_ERROR (after printing why) on failure.
 */
int cli_hunt_signatures(struct index *idx, char **files, bool json, int64_t since, int64_t until);
struct json;
struct index_found;
/* The fields of a part `partscan hunt --json` prints (time, envelope, part, digests) into the
   open object of j. */
void cli_hunt_json_part(struct json *j, const struct index_found *f, const char *when);

#endif
