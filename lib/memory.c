/*
 * memory.c - blocks the kernel may back with huge pages.
 *
 * On the virtual machines graf is measured on, the first touch of a fresh
 * 4 KiB page costs a fault of 10 to 20 us, more than most of what is then
 * done with the page.  A large, long-lived block that is written all over
 * (the stem cache, a writer's page cache) is therefore mapped on its own,
 * aligned to a huge page and advised for transparent huge pages: one fault
 * per 2 MiB where the system grants them ("madvise" or "always" mode), and
 * ordinary pages, at no extra cost, where it does not.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "graf-private.h"

#define HUGE_PAGE ((size_t)2 << 20)

/* SIZE bytes mapped on their own, aligned and advised for huge pages
 * (*MAPPED: the length mapped); NULL where the system has no such advice
 * or the mapping fails. */
static void *
hugeMap(size_t size, size_t *mapped)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	size_t len = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE, head;
	char *p;

	if (len < size)
		return NULL;
	/* one huge page more, to cut an aligned LEN out of the mapping */
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_PAGE - (uintptr_t)p % HUGE_PAGE) % HUGE_PAGE;
	if (head)
		munmap(p, head);
	munmap(p + head + len, HUGE_PAGE - head);
	(void)madvise(p + head, len, MADV_HUGEPAGE);  /* advice: may be refused */
	*mapped = len;
	return p + head;
#else
	(void)size;
	(void)mapped;
	return NULL;
#endif
}

void *
grafi_huge_alloc(size_t size, size_t *mapped)
{
	void *p;

	*mapped = 0;
	if (size == 0)
		return NULL;
	p = hugeMap(size, mapped);
	return p ? p : calloc(1, size);  /* else ordinary pages */
}

void
grafi_huge_free(void *p, size_t mapped)
{
#if defined(__linux__)
	if (p && mapped) {
		munmap(p, mapped);
		return;
	}
#endif
	free(p);
}

void *
grafi_reserve(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *nv;

	if (n <= *cap)
		return v;
	while (ncap < n)
		ncap *= 2;
	if (ncap > SIZE_MAX / size)
		return NULL;
	if ((nv = realloc(v, ncap * size)))
		*cap = ncap;
	return nv;
}
