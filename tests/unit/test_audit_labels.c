/* test_audit_labels.c: every action the code records in the audit log has
 * a label, "audit.act.<action>", in po/zh/ and po/en/ (the audit page,
 * src/admin/admin.c entry_json, shows it; without one an auditor sees a
 * bare code or nothing).
 *
 * The names are found at test time in the source tree (the tests run from
 * the top of the repository; ../ and ../../ are tried too): every string
 * literal shaped like an action ("case.read", "report.status.read") that
 * stands
 *   - among the arguments of a call that records one (audit_req and the
 *     demo and store helpers in `recorders` below),
 *   - in the initializer of an audit_entry,
 *   - on the right of an assignment to something named ...action
 *     (`e.action = "notice.ack"`, `action = "report.accept"`), or
 *   - in the initializer of a table named ...action or ...audit
 *     (op_action[], kind_action[], act_audit[]).
 * Names made at run time from a format ("survey_warning.%s") cannot be
 * found so; they are listed by hand in `made_at_run_time`, and the scan
 * fails when it meets a format whose prefix that list does not cover. A
 * new audit action is checked as soon as it is written in one of those
 * shapes; a new recorder function goes into `recorders`, a new format's
 * names into `made_at_run_time`.
 *
 * The scan must find at least 80 names, and one known name of each shape,
 * so that it cannot pass by finding nothing. It must never write files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/i18n.h"

/* Functions whose arguments hold the action they record. */
static const char *const recorders[] = {
	"audit_req",		/* src/auth/session.c: every request's record */
	"audit_obj",		/* src/cases/store.c */
	"audit_anon",		/* src/cases/report_public.c */
	"audit_read_new",	/* src/admin/admin.c: the audit log's own reads */
	"audit_one",		/* src/org/demo.c */
	"demo_audit",		/* src/bureau/{inspect,evaluation,returns,directory}.c */
	"demo_add",		/* src/prevention/records.c */
	"audit",		/* src/cases/demo_cases.c, src/sentiment/sentiment_demo.c */
	NULL,
};

/* Actions whose names are made at run time with snprintf, and every value
 * each can take (read from the code around each call). A new format, or a
 * new value of one of these, must be added here. */
static const char *const made_at_run_time[] = {
	/* src/prevention/results_http.c: "survey_warning.%s" of the step */
	"survey_warning.ack", "survey_warning.act", "survey_warning.close",
	/* src/org/org_http.c: "import.%s" of import_specs[].kind */
	"import.schools", "import.classes", "import.staff",
	/* src/cases/demo_cases.c: "supervision.%s" of the demo's step */
	"supervision.open", "supervision.answer", "supervision.close",
	NULL,
};

/* One of each shape the scan must find (see the comment at the top). */
static const char *const must_find[] = {
	"session.signin",	/* audit_req */
	"audit.read",		/* audit_read_new */
	"system.init",		/* audit_entry initializer, src/main.c */
	"demo.cases",		/* audit_entry initializer, demo_cases.c */
	"report.handover",	/* action = "..." */
	"notice.ack",		/* a.action = "..." */
	"case.read",		/* j->action = "..." */
	"inspect.visit",	/* op_action[] */
	"return.send_back",	/* act_audit[] */
	"case.open",		/* audit_obj */
	"report.status.read",	/* audit_anon */
	"sentiment.push",	/* audit_req, sentiment */
	NULL,
};

#define MAX_NAMES 512
#define NAME_LEN 64

struct found {
	char names[MAX_NAMES][NAME_LEN];
	size_t n;
	char prefixes[16][NAME_LEN];	/* "survey_warning." of each format met */
	size_t np;
	int overflow;
	size_t files;
};

static struct found found;

/* 1 when c can be part of a C identifier. */
static int
ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* 1 when s[0..n) is words of [a-z_] joined by dots, at least min_dots
 * of them (an action has one or more). */
static int
dotted(const char *s, size_t n, int min_dots)
{
	int dots = 0;
	if (n == 0 || n >= NAME_LEN || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return 0;
			dots++;
		} else if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	}
	return dots >= min_dots;
}

/* Adds s[0..n) to list (of cap entries, count *count) unless it is there. */
static void
add_unique(char (*list)[NAME_LEN], size_t cap, size_t *count, const char *s, size_t n)
{
	for (size_t i = 0; i < *count; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return;
	if (*count >= cap || n >= NAME_LEN) {
		found.overflow = 1;
		return;
	}
	memcpy(list[*count], s, n);
	list[*count][n] = '\0';
	(*count)++;
}

/* The index just past the literal opening at s[i] (a " or a '). */
static size_t
skip_literal(const char *s, size_t len, size_t i)
{
	char q = s[i++];
	while (i < len && s[i] != q) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		i++;
	}
	return i < len ? i + 1 : len;
}

/* Blanks the comments of s (keeping newlines), leaving literals alone. */
static void
blank_comments(char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (s[i] == '"' || s[i] == '\'') {
			i = skip_literal(s, len, i);
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			size_t j = i + 2;
			while (j + 1 < len && !(s[j] == '*' && s[j + 1] == '/'))
				j++;
			j = j + 2 <= len ? j + 2 : len;
			for (; i < j; i++)
				if (s[i] != '\n')
					s[i] = ' ';
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
			while (i < len && s[i] != '\n')
				s[i++] = ' ';
		} else
			i++;
	}
}

/* The index just past the bracket that closes the one at s[i] ( or {. */
static size_t
close_of(const char *s, size_t len, size_t i)
{
	char open = s[i], close = open == '(' ? ')' : '}';
	int depth = 0;
	while (i < len) {
		if (s[i] == '"' || s[i] == '\'') {
			i = skip_literal(s, len, i);
			continue;
		}
		if (s[i] == open)
			depth++;
		else if (s[i] == close && --depth == 0)
			return i + 1;
		i++;
	}
	return len;
}

/* The index of the first character of s at or after i that is not space. */
static size_t
skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	return i;
}

/* Takes every action-shaped literal in s[from..to), and the prefix of
 * every format shaped "words.%s". */
static void
take_literals(const char *s, size_t from, size_t to)
{
	size_t i = from;
	while (i < to) {
		if (s[i] == '\'') {
			i = skip_literal(s, to, i);
			continue;
		}
		if (s[i] != '"') {
			i++;
			continue;
		}
		size_t end = skip_literal(s, to, i);
		const char *lit = s + i + 1;
		size_t n = end - i >= 2 ? end - i - 2 : 0;
		if (dotted(lit, n, 1))
			add_unique(found.names, MAX_NAMES, &found.n, lit, n);
		else if (n > 3 && memcmp(lit + n - 3, ".%s", 3) == 0 && dotted(lit, n - 3, 0))
			add_unique(found.prefixes, 16, &found.np, lit, n - 2);
		i = end;
	}
}

/* 1 when the identifier s[a..b) is in recorders. */
static int
is_recorder(const char *s, size_t a, size_t b)
{
	for (size_t k = 0; recorders[k] != NULL; k++)
		if (strlen(recorders[k]) == b - a && memcmp(recorders[k], s + a, b - a) == 0)
			return 1;
	return 0;
}

/* 1 when the identifier s[a..b) ends with word. */
static int
ends_with(const char *s, size_t a, size_t b, const char *word)
{
	size_t w = strlen(word);
	return b - a >= w && memcmp(s + b - w, word, w) == 0;
}

/* Finds the actions of one file's text (comments already blanked). */
static void
scan_text(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (s[i] == '"' || s[i] == '\'') {
			i = skip_literal(s, len, i);
			continue;
		}
		if (!ident_char(s[i]) || (i > 0 && ident_char(s[i - 1]))) {
			i++;
			continue;
		}
		size_t a = i, b = i;
		while (b < len && ident_char(s[b]))
			b++;
		i = b;
		size_t j = skip_space(s, len, b);
		if (j >= len)
			break;
		/* recorder(...) */
		if (s[j] == '(' && is_recorder(s, a, b)) {
			size_t end = close_of(s, len, j);
			take_literals(s, j, end);
			continue;
		}
		/* audit_entry name = { ... } */
		if (b - a == 11 && memcmp(s + a, "audit_entry", 11) == 0) {
			size_t k = j;
			while (k < len && ident_char(s[k]))
				k++;
			k = skip_space(s, len, k);
			if (k < len && s[k] == '=') {
				k = skip_space(s, len, k + 1);
				if (k < len && s[k] == '{')
					take_literals(s, k, close_of(s, len, k));
			}
			continue;
		}
		/* ...action = ...; (not ==) */
		if (s[j] == '=' && (j + 1 >= len || s[j + 1] != '=') &&
		    ends_with(s, a, b, "action")) {
			size_t end = j;
			while (end < len && s[end] != ';') {
				if (s[end] == '"' || s[end] == '\'')
					end = skip_literal(s, len, end);
				else
					end++;
			}
			take_literals(s, j, end);
			continue;
		}
		/* table...action[...] = { ... } or table...audit[...] */
		if (s[j] == '[' && (ends_with(s, a, b, "action") || ends_with(s, a, b, "audit"))) {
			size_t k = j;
			while (k < len && s[k] != ']')
				k++;
			k = skip_space(s, len, k + 1);
			if (k < len && s[k] == '=') {
				k = skip_space(s, len, k + 1);
				if (k < len && s[k] == '{')
					take_literals(s, k, close_of(s, len, k));
			}
			continue;
		}
		/* snprintf(act..., ...): an action made from a format */
		if (s[j] == '(' && b - a == 8 && memcmp(s + a, "snprintf", 8) == 0) {
			size_t k = skip_space(s, len, j + 1), c = k;
			while (c < len && ident_char(s[c]))
				c++;
			if (c - k >= 3 && memcmp(s + k, "act", 3) == 0)
				take_literals(s, j, close_of(s, len, j));
			continue;
		}
	}
}

/* Reads path whole into a malloc'd, NUL-terminated buffer; NULL on error. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *s = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (cap - n < 65536) {
			char *t = realloc(s, cap + 65536 + 1);
			if (t == NULL) {
				free(s);
				fclose(f);
				return NULL;
			}
			s = t;
			cap += 65536;
		}
		size_t got = fread(s + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	*len = n;
	return s;
}

/* Scans every .c file under dir (recursively). 0, or -1 on an error. */
static int
scan_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[1024];
		int n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof path) {
			rc = -1;
			break;
		}
		struct stat st;
		if (stat(path, &st) != 0) {
			rc = -1;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = scan_dir(path);
			continue;
		}
		size_t nl = strlen(de->d_name);
		if (!S_ISREG(st.st_mode) || nl < 3 || strcmp(de->d_name + nl - 2, ".c") != 0)
			continue;
		size_t len = 0;
		char *text = slurp(path, &len);
		if (text == NULL) {
			rc = -1;
			break;
		}
		blank_comments(text, len);
		scan_text(text, len);
		free(text);
		found.files++;
	}
	closedir(d);
	return rc;
}

/* Finds src/ of the source tree from where the test runs. */
static int
find_src(char *out, size_t outlen)
{
	static const char *const ups[] = { ".", "..", "../..", NULL };
	for (size_t i = 0; ups[i] != NULL; i++) {
		char probe[512];
		int n = snprintf(probe, sizeof probe, "%s/src/auth/audit.h", ups[i]);
		if (n < 0 || (size_t)n >= sizeof probe)
			continue;
		FILE *f = fopen(probe, "r");
		if (f == NULL)
			continue;
		fclose(f);
		n = snprintf(out, outlen, "%s/src", ups[i]);
		return n < 0 || (size_t)n >= outlen ? -1 : 0;
	}
	return -1;
}

/* 1 when name has a non-empty label in both languages; prints what lacks. */
static int
labelled(const char *name)
{
	static const char *const langs[] = { "zh", "en" };
	char key[NAME_LEN + 16];
	int ok = 1;
	snprintf(key, sizeof key, "audit.act.%s", name);
	for (size_t l = 0; l < 2; l++)
		if (!i18n_has(langs[l], key) || i18n(langs[l], key)[0] == '\0') {
			print_error("no label %s in po/%s/ (add it to the audit section of"
			    " admin.po)\n", key, langs[l]);
			ok = 0;
		}
	return ok;
}

static int
setup(void **state)
{
	char src[512];
	(void)state;
	memset(&found, 0, sizeof found);
	if (find_src(src, sizeof src) != 0) {
		print_error("cannot find src/ of the source tree from here\n");
		return -1;
	}
	return scan_dir(src);
}

/* The scan worked: enough files, enough names, one of each shape. */
static void
test_scan_finds_actions(void **state)
{
	(void)state;
	assert_false(found.overflow);
	assert_true(found.files >= 50);
	assert_true(found.n >= 80);
	for (size_t k = 0; must_find[k] != NULL; k++) {
		size_t i = 0;
		while (i < found.n && strcmp(found.names[i], must_find[k]) != 0)
			i++;
		if (i == found.n)
			print_error("the scan missed %s\n", must_find[k]);
		assert_true(i < found.n);
	}
	/* Nothing that is not an action (a catalog key, a field list). */
	for (size_t i = 0; i < found.n; i++) {
		assert_null(strstr(found.names[i], "error."));
		assert_null(strchr(found.names[i], ','));
	}
}

/* Every action found in the source has its label in both languages. */
static void
test_found_actions_labelled(void **state)
{
	size_t missing = 0;
	(void)state;
	for (size_t i = 0; i < found.n; i++)
		if (!labelled(found.names[i]))
			missing++;
	assert_int_equal(missing, 0);
}

/* Every format the code makes an action from is covered by the hand-kept
 * list, and every name on that list is labelled. */
static void
test_made_at_run_time(void **state)
{
	size_t missing = 0;
	(void)state;
	/* survey_warning.%s, import.%s, supervision.%s at least. */
	assert_true(found.np >= 3);
	for (size_t p = 0; p < found.np; p++) {
		size_t pl = strlen(found.prefixes[p]), k = 0;
		while (made_at_run_time[k] != NULL &&
		    strncmp(made_at_run_time[k], found.prefixes[p], pl) != 0)
			k++;
		if (made_at_run_time[k] == NULL) {
			print_error("actions made from \"%s%%s\" are not in made_at_run_time\n",
			    found.prefixes[p]);
			missing++;
		}
	}
	for (size_t k = 0; made_at_run_time[k] != NULL; k++)
		if (!labelled(made_at_run_time[k]))
			missing++;
	assert_int_equal(missing, 0);
}

/* The check itself can fail: a name without a label is caught. */
static void
test_missing_label_caught(void **state)
{
	(void)state;
	assert_false(i18n_has("zh", "audit.act.no_such.action"));
	assert_true(i18n_has("zh", "audit.act.case.read"));
	assert_true(i18n_has("en", "audit.act.case.read"));
	assert_string_equal(i18n("zh", "audit.act.case.read"), "查看案件");
	assert_string_equal(i18n("en", "audit.act.case.read"), "Case read");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_finds_actions),
		cmocka_unit_test(test_found_actions_labelled),
		cmocka_unit_test(test_made_at_run_time),
		cmocka_unit_test(test_missing_label_caught),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
