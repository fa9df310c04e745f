/*
 * check_query_main.c - a runner for the query suite alone, until the lead
 * adds query_suite() to tests/check_main.c (then this file goes).
 */
#include "config.h"

#include <stdlib.h>

#include <check.h>

Suite *query_suite(void);

int
main(void)
{
	SRunner *sr = srunner_create(query_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
