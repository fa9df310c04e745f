/*
 * check_eval_main.c - runs graf-eval's Check suite on its own, until the
 * common runner (check_main.c) adds eval_suite() with the others.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

Suite *eval_suite(void);

int
main(void)
{
	SRunner *sr = srunner_create(eval_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
