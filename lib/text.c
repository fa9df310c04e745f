/*
 * text.c - byte-level text helpers: UTF-8 validation, Windows-1252 decoding,
 * content hashing and path cleaning.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

/* xxHash compiled in from its header: the one-shot hash of a short record
 * is then inlined code, not a call into a library. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "graf-private.h"

bool
grafi_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;  /* continuation byte, C0/C1 overlong lead, > U+10FFFF */
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong three- and four-byte forms, surrogates, beyond Unicode. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n + 1;
	}
	return true;
}

/* Code points of Windows-1252 bytes 0x80..0x9f.  The five bytes the code page
 * leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d) keep their C1 value, so
 * decoding never loses a byte. */
static const unsigned short cp1252_high[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

char *
grafi_cp1252_to_utf8(const char *str, size_t len, size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out, *o;

	/* Every byte becomes at most three bytes of UTF-8. */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0; i < len; i++) {
		unsigned cp = s[i];

		if (cp >= 0x80 && cp < 0xa0)
			cp = cp1252_high[cp - 0x80];
		if (cp < 0x80) {
			*o++ = (char)cp;
		} else if (cp < 0x800) {
			*o++ = (char)(0xc0 | (cp >> 6));
			*o++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*o++ = (char)(0xe0 | (cp >> 12));
			*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*o++ = (char)(0x80 | (cp & 0x3f));
		}
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

uint64_t
grafi_hash64(uint64_t h, const void *data, size_t len)
{
	/* FNV-1a over 8-byte words (then the tail bytes): good enough to
	 * notice a change, which is all it does; it is not meant to resist
	 * crafted collisions.  Each step waits for the one before (about
	 * 1.5 GB/s), which is why the bytes of whole files go through XXH3
	 * instead; this one hashes parsed content, whose stored values
	 * (article.hash) must stay what earlier versions wrote. */
	const unsigned char *p = data;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
grafi_hash_bytes(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

/* A grafi_hasher is xxHash's own streaming state (graf-private.h names its
 * struct), which XXH3_createState() allocates with the alignment it needs. */
grafi_hasher *
grafi_hasher_new(void)
{
	XXH3_state_t *h = XXH3_createState();

	if (h)
		XXH3_64bits_reset(h);
	return h;
}

void
grafi_hasher_add(grafi_hasher *h, const void *data, size_t len)
{
	XXH3_64bits_update(h, data, len);
}

uint64_t
grafi_hasher_value(const grafi_hasher *h)
{
	return XXH3_64bits_digest(h);
}

void
grafi_hasher_free(grafi_hasher *h)
{
	XXH3_freeState(h);
}

char *
grafi_path_clean(const char *path)
{
	size_t len = strlen(path);
	char *out = malloc(len + 2);
	size_t o = 0;
	const char *p = path;

	if (!out)
		return NULL;
	if (*p == '/')
		out[o++] = '/';
	while (*p) {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (o > 0 && out[o - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, seg, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return out;
}
