#include "config.h"
#include "check_graf.h"
Suite *search_suite(void) { return suite_create("search"); }
