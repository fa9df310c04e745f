/*
 * fuzz_trec.c - libFuzzer target over the TREC SGML reader,
 * grafi_read_trec(), with the checking sink of fuzz-reader.h.
 *
 * "make fuzz" builds this with clang -fsanitize=fuzzer; fuzz-replay.c runs
 * it over tests/fuzz/seeds/trec and tests/fuzz/regressions/trec in "make
 * check", without libFuzzer.
 */
#include "config.h"

#include "fuzz-reader.h"

/* Every document starts with "<DOC". */
static long
trecMaxDocs(const char *data, size_t len)
{
	return fuzzCount(data, len, "<DOC");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0)
		fuzzReader("fuzz_trec", grafi_read_trec, data, size, trecMaxDocs);
	return 0;
}
