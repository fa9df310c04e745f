/*
 * memory.c - blocks the kernel may back with huge pages.
 *
 * On the virtual machines graf is measured on, the first touch of a fresh
 * 4 KiB page costs a fault of 10 to 20 us, more than most of what is then
 * done with the page.  A large, long-lived block that is written all over
 * (the stem cache, a writer's page cache) is therefore mapped on its own,
 * aligned to a huge page and advised for transparent huge pages: one fault
 * per 2 MiB where the system grants them ("madvise" or "always" mode), and
 * ordinary pages, at no extra cost, where it does not.  For the same
 * reason a process about to run many queries may have the index's memory
 * map filled in at once (grafi_populate_read()) rather than a fault at a
 * time, in the middle of its queries.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "graf-private.h"

#define HUGE_PAGE ((size_t)2 << 20)

/* grafi_region_reserve(): arrays of at least this many bytes are mappings of
 * their own; smaller ones come from malloc().  (A mapped buffer is at
 * least a huge page, so a capacity rounded down to whole elements stays
 * above this.) */
#define REGION_MAPPED ((size_t)64 << 10)

/* Where grafi_region_reserve() maps large arrays.  Not under AddressSanitizer,
 * which watches the bounds of what malloc() gives, not of mappings: the
 * sanitizer build keeps checking the top-k search's arrays. */
#if defined(__SANITIZE_ADDRESS__)
#define REGION_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  /* clang's spelling */
#define REGION_ASAN 1
#endif
#endif
#if defined(__linux__) && defined(MADV_HUGEPAGE) && !defined(REGION_ASAN)
#define REGION_MAPS 1
#endif

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
grafi_region_reserve(void *v, size_t *cap, size_t used, size_t n, size_t size)
{
	size_t want;
	void *nv;

	if (n <= *cap)
		return v;
	want = *cap <= SIZE_MAX / 2 && *cap * 2 > n ? *cap * 2 : n;
	if (want > SIZE_MAX / size)
		return NULL;
#if defined(REGION_MAPS)
	if (want * size >= REGION_MAPPED) {
		size_t mapped;

		/* A new mapping and a copy of what is used: with doubling, each
		 * byte is copied about once, and the fresh pages are huge ones. */
		if (!(nv = hugeMap(want * size, &mapped)))
			return NULL;
		if (v && used)
			memcpy(nv, v, (used < *cap ? used : *cap) * size);
		grafi_region_free(v, *cap * size);
		*cap = mapped / size;
		return nv;
	}
#else
	(void)used;
#endif
	if ((nv = realloc(v, want * size)))
		*cap = want;
	return nv;
}

void
grafi_region_free(void *v, size_t bytes)
{
#if defined(REGION_MAPS)
	if (v && bytes >= REGION_MAPPED) {
		munmap(v, (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
		return;
	}
#else
	(void)bytes;
#endif
	free(v);
}

void
grafi_populate_read(const void *p, size_t len)
{
#if defined(__linux__)
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start, end;

	if (!p || len == 0 || page <= 0)
		return;
	start = (uintptr_t)p / (uintptr_t)page * (uintptr_t)page;
	end = (uintptr_t)p + len;
#if defined(MADV_POPULATE_READ)
	/* Linux 5.14 and later: the page tables filled in, one call. */
	if (madvise((void *)start, end - start, MADV_POPULATE_READ) == 0)
		return;
#endif
	/* Else at least have the file read ahead (asynchronously). */
	(void)madvise((void *)start, end - start, MADV_WILLNEED);
#else
	(void)p;
	(void)len;
#endif
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
