/*
 * no-dlopen.c - graf-search linked statically (configure.ac, "how
 * graf-search links") has no dlopen().
 *
 * SQLite's unix VFS refers to dlopen() for load_extension(), which graf never
 * enables.  A static glibc's dlopen() loads libraries with the shared C
 * library's loader, which a static program does not have (the linker warns
 * of it); the program is linked with --wrap=dlopen, so SQLite's reference
 * comes here instead and fails, as it does where there is no dlopen() at all.
 */
#include <stddef.h>

void *__wrap_dlopen(const char *file, int mode);

void *
__wrap_dlopen(const char *file, int mode)
{
	(void)file;
	(void)mode;
	return NULL;
}
