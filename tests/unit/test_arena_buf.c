/* test_arena_buf.c: the per-request arena (src/core/arena.c) and the
 * capped buffer (src/core/buf.c).
 *
 * Alignment of every allocation, the arena cap at and one past its limit,
 * overflow of n*size, and the buffer's promise that an append past max
 * fails and leaves the contents as they were. Frees all it allocates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

#define ALIGN _Alignof(max_align_t)

static void
test_arena_alignment(void **state)
{
	arena *a = arena_new(256, 0);
	(void)state;
	assert_non_null(a);
	static const size_t sizes[] = { 1, 3, 7, 8, 9, 15, 16, 17, 31, 100,
		255, 256, 257, 1000, 5000, 1, 2 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = arena_alloc(a, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % ALIGN, 0);
		/* Writable over its whole length (ASan checks the bounds). */
		memset(p, 0xab, sizes[i]);
	}
	/* Zero bytes still gives a distinct, aligned pointer. */
	void *z1 = arena_alloc(a, 0), *z2 = arena_alloc(a, 0);
	assert_non_null(z1);
	assert_non_null(z2);
	assert_ptr_not_equal(z1, z2);
	assert_int_equal((uintptr_t)z2 % ALIGN, 0);
	arena_free(a);
}

static void
test_arena_keeps_data(void **state)
{
	arena *a = arena_new(64, 0);
	char *ptrs[200];
	(void)state;
	assert_non_null(a);
	/* Many chunks and a few large one-off blocks in between: earlier
	 * allocations must survive later ones. */
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)(i % 7 == 0 ? 700 : 10 + i % 13);
		ptrs[i] = arena_alloc(a, n);
		assert_non_null(ptrs[i]);
		memset(ptrs[i], i, n);
	}
	for (int i = 0; i < 200; i++) {
		size_t n = (size_t)(i % 7 == 0 ? 700 : 10 + i % 13);
		for (size_t k = 0; k < n; k++)
			assert_int_equal((unsigned char)ptrs[i][k],
			    (unsigned char)i);
	}
	arena_free(a);
}

static void
test_arena_cap(void **state)
{
	(void)state;
	arena *a = arena_new(256, 64);
	assert_non_null(a);
	assert_int_equal(arena_used(a), 0);
	/* Exactly the cap is fine, one byte more is not. */
	assert_non_null(arena_alloc(a, 64));
	assert_int_equal(arena_used(a), 64);
	assert_null(arena_alloc(a, 1));
	assert_int_equal(arena_used(a), 64);
	arena_free(a);

	a = arena_new(256, 64);
	assert_non_null(a);
	assert_null(arena_alloc(a, 65));
	assert_int_equal(arena_used(a), 0);
	/* A refused request leaves room for a smaller one. */
	assert_non_null(arena_alloc(a, 48));
	assert_null(arena_alloc(a, 17));
	assert_non_null(arena_alloc(a, 16));
	assert_null(arena_alloc(a, 1));
	assert_null(arena_strdup(a, ""));
	assert_null(arena_printf(a, "%d", 1));
	assert_null(arena_calloc(a, 1, 1));
	arena_free(a);

	/* No cap: large requests work; absurd ones fail cleanly. */
	a = arena_new(0, 0);
	assert_non_null(a);
	assert_non_null(arena_alloc(a, 1 << 20));
	assert_null(arena_alloc(a, SIZE_MAX));
	assert_null(arena_alloc(a, SIZE_MAX - 8));
	assert_true(arena_used(a) >= 1 << 20);
	arena_free(a);
	arena_free(NULL);
}

static void
test_arena_calloc(void **state)
{
	arena *a = arena_new(256, 0);
	(void)state;
	assert_non_null(a);
	/* Dirty the memory first so zeroing is observable. */
	memset(arena_alloc(a, 200), 0xff, 200);
	int *v = arena_calloc(a, 50, sizeof *v);
	assert_non_null(v);
	for (int i = 0; i < 50; i++)
		assert_int_equal(v[i], 0);
	assert_null(arena_calloc(a, SIZE_MAX / 2 + 1, 2));
	assert_null(arena_calloc(a, SIZE_MAX, SIZE_MAX));
	assert_non_null(arena_calloc(a, 0, 8));
	arena_free(a);
}

static void
test_arena_strings(void **state)
{
	arena *a = arena_new(256, 0);
	(void)state;
	assert_non_null(a);
	char *s = arena_strndup(a, "校安平台", 6);
	assert_string_equal(s, "校安");
	assert_string_equal(arena_strndup(a, "abc", 0), "");
	/* n bytes exactly, NULs and all. */
	char *t = arena_strndup(a, "a\0b", 3);
	assert_memory_equal(t, "a\0b\0", 4);
	assert_string_equal(arena_strdup(a, "学生"), "学生");
	assert_null(arena_strndup(a, "x", SIZE_MAX));
	assert_string_equal(arena_printf(a, "%s-%04d-%c", "案件", 42, 'z'),
	    "案件-0042-z");
	assert_string_equal(arena_printf(a, "%s", ""), "");
	char big[3000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *p = arena_printf(a, "<%s>", big);
	assert_non_null(p);
	assert_int_equal(strlen(p), sizeof big + 1);
	assert_int_equal(p[0], '<');
	assert_int_equal(p[sizeof big], '>');
	arena_free(a);
}

static void
test_buf_basic(void **state)
{
	buf b;
	(void)state;
	buf_init(&b, 1024);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append(&b, "ab", 2), XA_OK);
	assert_int_equal(buf_puts(&b, "中文"), XA_OK);
	assert_int_equal(buf_putc(&b, '!'), XA_OK);
	assert_int_equal(buf_printf(&b, "%d/%s", 7, "x"), XA_OK);
	assert_string_equal(b.data, "ab中文!7/x");
	assert_int_equal(b.len, strlen("ab中文!7/x"));
	assert_int_equal(buf_append(&b, "", 0), XA_OK);
	assert_int_equal(buf_append(&b, "\0z", 2), XA_OK);
	assert_int_equal(b.len, strlen("ab中文!7/x") + 2);
	assert_int_equal(b.data[b.len], '\0');
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_puts(&b, "again"), XA_OK);
	assert_string_equal(b.data, "again");
	buf_free(&b);
	assert_null(b.data);
	buf_free(&b);
	/* An empty printf still terminates. */
	buf_init(&b, 16);
	assert_int_equal(buf_printf(&b, "%s", ""), XA_OK);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void
test_buf_growth(void **state)
{
	buf b;
	char chunk[100];
	(void)state;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < sizeof chunk; i++)
		chunk[i] = (char)('a' + i % 26);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, chunk, sizeof chunk), XA_OK);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap > b.len);
	for (size_t i = 0; i < b.len; i += 997)
		assert_int_equal(b.data[i], 'a' + (i % 100) % 26);
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);
}

static void
test_buf_cap(void **state)
{
	buf b;
	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345", 5), XA_OK);
	/* Would pass max: fails, contents untouched. */
	assert_int_equal(buf_append(&b, "6789", 4), XA_ETOOBIG);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "12345");
	assert_int_equal(buf_puts(&b, "abcd"), XA_ETOOBIG);
	assert_int_equal(buf_printf(&b, "%s", "wxyz"), XA_ETOOBIG);
	assert_string_equal(b.data, "12345");
	assert_int_equal(b.len, 5);
	/* Exactly to max is fine; then not one byte more. */
	assert_int_equal(buf_printf(&b, "%d", 678), XA_OK);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(buf_putc(&b, '9'), XA_ETOOBIG);
	assert_int_equal(buf_append(&b, "", 0), XA_OK);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), XA_ETOOBIG);
	assert_string_equal(b.data, "12345678");
	assert_true(b.cap <= 9);
	buf_free(&b);

	/* A zero max accepts nothing but the empty string. */
	buf_init(&b, 0);
	assert_int_equal(buf_putc(&b, 'x'), XA_ETOOBIG);
	assert_null(b.data);
	assert_int_equal(buf_append(&b, "", 0), XA_OK);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void
test_buf_unbounded_max(void **state)
{
	buf b;
	(void)state;
	/* SIZE_MAX as max means "no practical cap" and must still grow. */
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_puts(&b, "abc"), XA_OK);
	assert_true(b.cap >= 4);
	assert_int_equal(buf_printf(&b, "%0100d", 0), XA_OK);
	assert_int_equal(b.len, 103);
	assert_int_equal(b.data[103], '\0');
	buf_free(&b);
}

static void
test_buf_steal(void **state)
{
	buf b;
	size_t len = 99;
	(void)state;
	buf_init(&b, 64);
	assert_null(buf_steal(&b, &len));
	assert_int_equal(len, 0);
	assert_int_equal(buf_puts(&b, "owned"), XA_OK);
	char *p = buf_steal(&b, &len);
	assert_string_equal(p, "owned");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 64);
	/* The buffer is usable again, with its max. */
	assert_int_equal(buf_puts(&b, "next"), XA_OK);
	assert_string_equal(b.data, "next");
	assert_null(buf_steal(&(buf){ NULL, 0, 0, 1 }, NULL));
	free(p);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alignment),
		cmocka_unit_test(test_arena_keeps_data),
		cmocka_unit_test(test_arena_cap),
		cmocka_unit_test(test_arena_calloc),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_buf_basic),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_unbounded_max),
		cmocka_unit_test(test_buf_steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
