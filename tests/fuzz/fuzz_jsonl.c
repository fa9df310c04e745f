/*
 * fuzz_jsonl.c - libFuzzer target over the JSON Lines reader,
 * grafi_read_jsonl(), with the checking sink of fuzz-reader.h.
 *
 * "make fuzz" builds this with clang -fsanitize=fuzzer; fuzz-replay.c runs
 * it over tests/fuzz/seeds/jsonl and tests/fuzz/regressions/jsonl in "make
 * check", without libFuzzer.
 */
#include "config.h"

#include "fuzz-reader.h"

/* A line holds at most one record. */
static long
jsonlMaxDocs(const char *data, size_t len)
{
	return fuzzCount(data, len, "\n") + 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0)
		fuzzReader("fuzz_jsonl", grafi_read_jsonl, data, size, jsonlMaxDocs);
	return 0;
}
