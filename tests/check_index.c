#include "config.h"
#include "check_graf.h"
Suite *index_suite(void) { return suite_create("index"); }
