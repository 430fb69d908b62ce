/* test_router.c: patterns, typed parameters, 404 versus 405, the Allow
 * header, and malformed patterns refused at start-up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "http/router.h"

static void h1(struct req *r) { (void)r; }
static void h2(struct req *r) { (void)r; }

static const route table[] = {
	{ M_GET, "/", h1, 0, NULL, NULL, NULL, "home" },
	{ M_GET | M_POST, "/api/v1/units", h1, R_API, NULL, NULL, NULL, "units" },
	{ M_GET, "/api/v1/units/{id:int}", h1, R_API, NULL, NULL, NULL, "unit" },
	{ M_PATCH, "/api/v1/units/{id:int}", h2, R_API, NULL, NULL, NULL, "unit_patch" },
	{ M_GET, "/api/v1/units/{id:int}/committee", h2, R_API, NULL, NULL, NULL, "c" },
	{ M_GET, "/r/{code}", h2, 0, NULL, NULL, NULL, "receipt" },
	{ M_GET, "/dir/", h2, 0, NULL, NULL, NULL, "dir" },
};

static router *rt;
static arena *a;

static int
setup(void **state)
{
	a = arena_new(4096, 0);
	return router_new(table, sizeof table / sizeof table[0], &rt) == XA_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	router_free(rt);
	arena_free(a);
	return 0;
}

static void
test_literal_and_root(void **state)
{
	const route *r = NULL;
	params p;
	unsigned allow = 0;
	assert_int_equal(router_match(rt, a, M_GET, "/", &r, &p, &allow), MATCH_OK);
	assert_ptr_equal(r, &table[0]);
	assert_int_equal(p.n, 0);
	assert_int_equal(router_match(rt, a, M_POST, "/api/v1/units", &r, &p, &allow), MATCH_OK);
	assert_ptr_equal(r, &table[1]);
	/* HEAD is answered by GET routes. */
	assert_int_equal(router_match(rt, a, M_HEAD, "/api/v1/units", &r, &p, &allow), MATCH_OK);
	/* Trailing slashes are not ignored. */
	assert_int_equal(router_match(rt, a, M_GET, "/api/v1/units/", &r, &p, &allow),
	    MATCH_NOT_FOUND);
	assert_int_equal(router_match(rt, a, M_GET, "/dir/", &r, &p, &allow), MATCH_OK);
	assert_int_equal(router_match(rt, a, M_GET, "/dir", &r, &p, &allow), MATCH_NOT_FOUND);
	assert_int_equal(router_match(rt, a, M_GET, "//", &r, &p, &allow), MATCH_NOT_FOUND);
}

static void
test_typed_parameters(void **state)
{
	const route *r = NULL;
	params p;
	unsigned allow = 0;
	assert_int_equal(router_match(rt, a, M_GET, "/api/v1/units/42", &r, &p, &allow), MATCH_OK);
	assert_ptr_equal(r, &table[2]);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.items[0].name, "id");
	assert_string_equal(p.items[0].value, "42");
	assert_int_equal(router_match(rt, a, M_GET, "/api/v1/units/42/committee", &r, &p, &allow),
	    MATCH_OK);
	assert_ptr_equal(r, &table[4]);
	/* Not integers: no leading zero, no sign, no letters, not too long. */
	static const char *const bad[] = { "/api/v1/units/abc", "/api/v1/units/-1",
		"/api/v1/units/007", "/api/v1/units/1e3", "/api/v1/units/1234567890123456789",
		"/api/v1/units/4 2", NULL };
	for (int i = 0; bad[i] != NULL; i++)
		assert_int_equal(router_match(rt, a, M_GET, bad[i], &r, &p, &allow),
		    MATCH_NOT_FOUND);
	assert_int_equal(router_match(rt, a, M_GET, "/api/v1/units/0", &r, &p, &allow), MATCH_OK);
	assert_int_equal(router_match(rt, a, M_GET, "/r/ABCD-EFGH", &r, &p, &allow), MATCH_OK);
	assert_string_equal(p.items[0].value, "ABCD-EFGH");
	assert_int_equal(router_match(rt, a, M_GET, "/r/中文", &r, &p, &allow), MATCH_OK);
	assert_string_equal(p.items[0].value, "中文");
}

static void
test_method_not_allowed(void **state)
{
	const route *r = NULL;
	params p;
	unsigned allow = 0;
	char buf[64];
	assert_int_equal(router_match(rt, a, M_DELETE, "/api/v1/units/7", &r, &p, &allow),
	    MATCH_BAD_METHOD);
	assert_int_equal(allow, M_GET | M_HEAD | M_PATCH);
	assert_string_equal(router_allow_header(allow, buf, sizeof buf), "GET, HEAD, PATCH");
	assert_non_null(r);
	assert_int_equal(router_match(rt, a, M_PATCH, "/api/v1/units/7", &r, &p, &allow), MATCH_OK);
	assert_ptr_equal(r, &table[3]);
	assert_int_equal(router_match(rt, a, M_DELETE, "/nowhere", &r, &p, &allow),
	    MATCH_NOT_FOUND);
	/* A short buffer is never overrun. */
	assert_string_equal(router_allow_header(M_GET | M_POST, buf, 6), "GET");
}

static void
test_method_names(void **state)
{
	assert_int_equal(router_method("GET"), M_GET);
	assert_int_equal(router_method("PATCH"), M_PATCH);
	assert_int_equal(router_method("get"), 0);
	assert_int_equal(router_method("TRACE"), 0);
}

static void
test_malformed_patterns(void **state)
{
	static const char *const bad[] = { "units", "/a//b", "/{}", "/{id:float}",
		"/a{b}", "/{id", "/x/{:int}", NULL };
	for (int i = 0; bad[i] != NULL; i++) {
		route one = { M_GET, bad[i], h1, 0, NULL, NULL, NULL, "x" };
		router *r = NULL;
		assert_int_not_equal(router_new(&one, 1, &r), XA_OK);
		assert_null(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_and_root),
		cmocka_unit_test(test_typed_parameters),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_malformed_patterns),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
