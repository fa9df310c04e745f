/*
 * stem-tokenizer.c - the "graf" FTS5 tokenizer: a parent tokenizer (by
 * default unicode61 with diacritics removed) whose tokens are stemmed with a
 * Snowball stemmer.
 *
 * FTS5 runs a table's tokenizer on documents, on MATCH queries and again for
 * highlight() and snippet(), so the same code decides what a word is
 * everywhere, and stems always agree: "controls" in a query finds "control".
 *
 * Written against the original (version 2) fts5_api, which is what Debian 12's
 * SQLite 3.40 has; newer SQLite still accepts it.
 *
 * Arguments (from "tokenize = 'graf english unicode61 remove_diacritics 2'"):
 *     <language> [parent [parent-args...]]
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "graf-private.h"

/*
 * Tokens longer than this go to FTS5 unstemmed.  No word in any Snowball
 * language is this long; what is (a URL, a hash, a run of digits) gains
 * nothing from stemming and would only cost time.
 */
#define STEM_MAX_TOKEN 64

/* Parent used when the arguments name none: unicode61 folds case (which
 * libstemmer requires) and removes diacritics, so "Café" finds "cafe". */
static const char *const default_parent_args[] = { "remove_diacritics", "2" };

/*
 * A cache of recent stems: two-way set-associative, the most recently used
 * slot of a set first.  Text repeats its words (a few thousand make up most
 * of any corpus), and Snowball costs about 2,200 instructions a word; with
 * the cache, most tokens cost a hash and a memcmp.  Reuters has 48,000
 * distinct words in 2.8 M tokens: 16,384 slots direct-mapped stemmed
 * 214,000 times, 16,384 sets of two stem 78,000 times (a word's first
 * sighting is 48,000 of them).  The cache starts small (STEM_CACHE_SMALL
 * sets, 48 KB) and is replaced by the full one (1.5 MB) after
 * STEM_CACHE_GROW misses: a single search stems a few hundred words to
 * rank and highlight, and each would land on a fresh page of a large
 * cache; a page fault costs more than a stem (a graf-search process took
 * 280 more faults with the large cache from its first word).  calloc():
 * pages cost nothing until a word lands in them.  Words longer than
 * STEM_CACHE_WORD bytes are stemmed every time.
 */
#define STEM_CACHE_SETS 16384           /* a power of two */
#define STEM_CACHE_SMALL 512            /* a power of two */
#define STEM_CACHE_GROW 8192            /* misses before the full cache */
#define STEM_CACHE_WAYS 2
#define STEM_CACHE_WORD 23

typedef struct StemCacheSlot {
	unsigned char word_len;          /* 0: empty */
	unsigned char stem_len;
	char word[STEM_CACHE_WORD];
	char stem[STEM_CACHE_WORD];
} StemCacheSlot;

/* What a registration shares with its tokenizer instances: FTS5's API (to
 * find the parent) and where document tokens are captured (postings.c). */
typedef struct StemShared {
	fts5_api *api;
	grafi_postings **capture;        /* NULL: never capture */
} StemShared;

typedef struct StemTokenizer {
	fts5_tokenizer parent;           /* the parent's methods (a copy) */
	Fts5Tokenizer *parent_instance;  /* the parent tokenizer instance */
	struct sb_stemmer *stemmer;      /* one per instance: not thread-safe */
	grafi_postings **capture;        /* from StemShared */
	StemCacheSlot *cache;            /* cache_sets * STEM_CACHE_WAYS slots;
					  * NULL until the first word */
	unsigned cache_sets;             /* STEM_CACHE_SMALL, then _SETS */
	size_t cache_mapped;             /* bytes of CACHE mapped by
					  * grafi_huge_alloc(); 0: calloc()'ed */
	unsigned misses;                 /* stems while the cache is small */
	bool keeps_first_byte;           /* the stemmer never changes a word's
					  * first byte (stemKeepsFirstByte()) */
	const grafi_first_bytes *only;   /* grafi_tokenize_for(): tokens with
					  * other first bytes go unstemmed */
} StemTokenizer;

/* State of one xTokenize() call, handed to stemToken() by the parent. */
typedef struct StemContext {
	StemTokenizer *tok;
	void *ctx;                       /* FTS5's context for x_token */
	int (*x_token)(void *, int, const char *, int, int, int);
	const char *text;                /* the text being tokenized */
	int text_len;
	int prev_end;                    /* end offset of the previous token; -1 */
	int flags;                       /* FTS5_TOKENIZE_* */
} StemContext;

struct fts5_api *
grafi_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *stmt = NULL;

	/* The documented way to reach FTS5's API: SELECT fts5(?1) with a
	 * pointer bound under the type "fts5_api_ptr". */
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (api && api->iVersion < 2)
		return NULL;
	return api;
}

int
grafi_fts5_api_error(sqlite3 *db)
{
	return (sqlite3_errcode(db) & 0xff) == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

bool
grafi_language_known(const char *language)
{
	struct sb_stemmer *s;

	if (!language || !*language)
		return false;
	s = sb_stemmer_new(language, "UTF_8");
	if (!s)
		return false;
	sb_stemmer_delete(s);
	return true;
}

const char *const *
graf_languages(void)
{
	return (const char *const *)sb_stemmer_list();
}

/* Free TOK's cache, however it was allocated. */
static void
stemCacheFree(StemTokenizer *tok)
{
	grafi_huge_free(tok->cache, tok->cache_mapped);
	tok->cache = NULL;
	tok->cache_mapped = 0;
}

/* xDelete: free a tokenizer instance.  Accepts NULL. */
static void
stemDelete(Fts5Tokenizer *p)
{
	StemTokenizer *tok = (StemTokenizer *)p;

	if (!tok)
		return;
	if (tok->parent_instance)
		tok->parent.xDelete(tok->parent_instance);
	sb_stemmer_delete(tok->stemmer);
	stemCacheFree(tok);
	sqlite3_free(tok);
}

/*
 * True if LANGUAGE's stemmer never changes the first byte of a word.
 * English (Porter2) only rewrites suffixes inside R1, which begins after
 * the first letter; its exceptions ("skies", "dying", "news") keep their
 * first letter too.  Measured on the news sets: 9.9 M tokens, none whose
 * stem begins otherwise (a Check test keeps the hard cases).  Other
 * languages are not claimed: German turns "ß" into "ss", and the original
 * Porter stems a lone "s" to nothing.
 */
static bool
stemKeepsFirstByte(const char *language)
{
	return strcmp(language, "english") == 0 || strcmp(language, "en") == 0 ||
	       strcmp(language, "eng") == 0;
}

/*
 * xCreate: AZ_ARG is "<language> [parent [parent-args...]]".
 * OUT: *PP_OUT, the instance, on success; NULL on failure.
 * @retval SQLITE_ERROR for an unknown language or parent, SQLITE_NOMEM.
 */
static int
stemCreate(void *user_data, const char **az_arg, int n_arg, Fts5Tokenizer **pp_out)
{
	StemShared *shared = user_data;
	fts5_api *api = shared->api;
	const char *language = n_arg > 0 ? az_arg[0] : GRAF_DEFAULT_LANGUAGE;
	const char *parent_name = n_arg > 1 ? az_arg[1] : "unicode61";
	const char *const *parent_args = n_arg > 1 ? az_arg + 2 : default_parent_args;
	int n_parent_args = n_arg > 1 ? n_arg - 2 : 2;
	void *parent_data = NULL;
	StemTokenizer *tok;
	int rc;

	*pp_out = NULL;
	tok = sqlite3_malloc(sizeof *tok);
	if (!tok)
		return SQLITE_NOMEM;
	memset(tok, 0, sizeof *tok);
	tok->capture = shared->capture;

	rc = api->xFindTokenizer(api, parent_name, &parent_data, &tok->parent);
	if (rc == SQLITE_OK)
		rc = tok->parent.xCreate(parent_data, (const char **)parent_args,
					 n_parent_args, &tok->parent_instance);
	if (rc == SQLITE_OK) {
		tok->stemmer = sb_stemmer_new(language, "UTF_8");
		if (!tok->stemmer)
			rc = SQLITE_ERROR;  /* unknown language (or no memory) */
		tok->keeps_first_byte = stemKeepsFirstByte(language);
	}
	if (rc != SQLITE_OK) {
		stemDelete((Fts5Tokenizer *)tok);
		return rc;
	}
	*pp_out = (Fts5Tokenizer *)tok;
	return SQLITE_OK;
}

/*
 * True if the bytes TEXT[FROM..TO) are exactly one apostrophe: ASCII ' or
 * U+2019 RIGHT SINGLE QUOTATION MARK, which is what typeset news uses.
 */
static bool
stemIsApostrophe(const char *text, int from, int to)
{
	if (to - from == 1)
		return text[from] == '\'';
	if (to - from == 3)
		return memcmp(text + from, "\xe2\x80\x99", 3) == 0;
	return false;
}

/* The cache set of WORD[0..N) (STEM_CACHE_WAYS slots): FNV-1a of the
 * bytes, folded to the table. */
static StemCacheSlot *
stemCacheSet(StemTokenizer *tok, const char *word, int n)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < n; i++)
		h = (h ^ (unsigned char)word[i]) * 16777619u;
	return &tok->cache[((h ^ (h >> 15)) & (tok->cache_sets - 1)) * STEM_CACHE_WAYS];
}

/* True if SLOT holds the stem of WORD[0..N). */
static bool
stemCacheHas(const StemCacheSlot *slot, const char *word, int n)
{
	return slot->word_len == n && memcmp(slot->word, word, (size_t)n) == 0;
}

/* False if the caller of grafi_tokenize_for() has no use for the stem of
 * TOKEN[0..N): it begins with none of the first bytes asked for. */
static bool
stemWanted(const StemTokenizer *tok, const char *token, int n)
{
	return !tok->only || n == 0 || grafi_first_bytes_has(tok->only, (unsigned char)token[0]);
}

/* Hand TOKEN to FTS5, and to the capture of an update's postings when a
 * document is being inserted. */
static int
stemEmit(StemContext *c, int tflags, const char *token, int n_token, int start, int end)
{
	if ((c->flags & FTS5_TOKENIZE_DOCUMENT) && c->tok->capture && *c->tok->capture)
		grafi_capture_token(*c->tok->capture, token, n_token,
				    (tflags & FTS5_TOKEN_COLOCATED) != 0);
	return c->x_token(c->ctx, tflags, token, n_token, start, end);
}

/*
 * The parent's xToken callback: stem the token and hand it to FTS5 with its
 * offsets unchanged, so that highlighting marks the words as written.
 *
 * unicode61 splits "China's" (or "China’s") into "china" and "s".  The "s" of
 * a possessive carries no meaning and would make "s" one of the most frequent
 * terms, so a lone "s" glued to the previous token by an apostrophe is
 * dropped; both spellings then index exactly as "china" does.
 */
static int
stemToken(void *p, int tflags, const char *token, int n_token, int start, int end)
{
	StemContext *c = p;
	StemTokenizer *tok = c->tok;
	const sb_symbol *stem;
	int prev_end = c->prev_end;

	c->prev_end = end;
	if (n_token == 1 && token[0] == 's' && prev_end >= 0 && start > prev_end &&
	    start <= c->text_len && stemIsApostrophe(c->text, prev_end, start))
		return SQLITE_OK;

	/* Prefix queries ("licen*") match stems by their written beginning:
	 * stemming the fragment would turn it into something else.  And a
	 * caller of grafi_tokenize_for() has no use for the stem of a token
	 * that begins with none of its words' first bytes. */
	if (n_token > STEM_MAX_TOKEN || (c->flags & FTS5_TOKENIZE_PREFIX) ||
	    !stemWanted(tok, token, n_token))
		return stemEmit(c, tflags, token, n_token, start, end);

	if (n_token <= STEM_CACHE_WORD) {
		StemCacheSlot *slot = stemCacheSet(tok, token, n_token);
		int n_stem;

		if (stemCacheHas(&slot[1], token, n_token)) {
			/* move it first: the other slot is the one to replace */
			StemCacheSlot hit = slot[1];

			slot[1] = slot[0];
			slot[0] = hit;
		} else if (!stemCacheHas(&slot[0], token, n_token)) {
			stem = sb_stemmer_stem(tok->stemmer, (const sb_symbol *)token, n_token);
			if (!stem)
				return SQLITE_NOMEM;
			tok->misses++;
			n_stem = sb_stemmer_length(tok->stemmer);
			if (n_stem > STEM_CACHE_WORD)  /* never for a shorter word, but */
				return stemEmit(c, tflags, (const char *)stem, n_stem, start, end);
			slot[1] = slot[0];
			memcpy(slot->word, token, (size_t)n_token);
			memcpy(slot->stem, stem, (size_t)n_stem);
			slot->word_len = (unsigned char)n_token;
			slot->stem_len = (unsigned char)n_stem;
		}
		return stemEmit(c, tflags, slot->stem, slot->stem_len, start, end);
	}
	stem = sb_stemmer_stem(tok->stemmer, (const sb_symbol *)token, n_token);
	if (!stem)
		return SQLITE_NOMEM;
	/* The stem lives in the stemmer's buffer until the next call; FTS5
	 * copies tokens inside x_token, as it does for porter's buffer. */
	return stemEmit(c, tflags, (const char *)stem, sb_stemmer_length(tok->stemmer), start,
			end);
}

/*
 * Make TOK's cache ready for a text: the small one at first, the full one
 * once the small one has missed STEM_CACHE_GROW times (between texts, so
 * that no slot is in use).  False without memory for the first.
 */
static bool
stemCacheReady(StemTokenizer *tok)
{
	StemCacheSlot *full;
	size_t mapped;

	if (!tok->cache) {
		tok->cache = calloc((size_t)STEM_CACHE_SMALL * STEM_CACHE_WAYS, sizeof *tok->cache);
		tok->cache_sets = STEM_CACHE_SMALL;
		return tok->cache != NULL;
	}
	if (tok->cache_sets == STEM_CACHE_SETS || tok->misses < STEM_CACHE_GROW)
		return true;
	/* The full cache is written all over: one huge page rather than
	 * 384 faults of 10-20 us spread over the searches that follow (a
	 * search highlighting a long paragraph took 70). */
	full = grafi_huge_alloc((size_t)STEM_CACHE_SETS * STEM_CACHE_WAYS * sizeof *full, &mapped);
	if (!full) {                     /* no memory: keep the small one */
		tok->misses = 0;
		return true;
	}
	stemCacheFree(tok);
	tok->cache = full;
	tok->cache_mapped = mapped;
	tok->cache_sets = STEM_CACHE_SETS;
	return true;
}

/* Hand FTS5 the tokens made ahead of it for this text (pipe.c): what
 * stemToken() would have given, as the same code made them. */
static int
stemReplay(StemContext *c, const grafi_tokens *ahead)
{
	int rc = SQLITE_OK;

	/* the capture takes the terms as counted ahead, FTS5 every token */
	if (c->tok->capture && *c->tok->capture)
		grafi_capture_counted(*c->tok->capture, ahead);
	for (size_t i = 0; i < ahead->n && rc == SQLITE_OK; i++) {
		const grafi_token *t = &ahead->v[i];

		rc = c->x_token(c->ctx, t->flags, ahead->stems + t->stem, t->len, t->start, t->end);
	}
	return rc;
}

/* xTokenize: run the parent over TEXT with stemToken() in between. */
static int
stemTokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int n_text,
	     int (*x_token)(void *, int, const char *, int, int, int))
{
	StemTokenizer *tok = (StemTokenizer *)p;
	StemContext c = {
		.tok = tok,
		.ctx = ctx,
		.x_token = x_token,
		.text = text,
		.text_len = n_text,
		.prev_end = -1,
		.flags = flags,
	};

	if ((flags & FTS5_TOKENIZE_DOCUMENT) && tok->capture && *tok->capture) {
		const grafi_tokens *ahead = grafi_capture_ahead_for(*tok->capture, text, n_text);

		grafi_capture_text(*tok->capture);
		if (ahead)
			return stemReplay(&c, ahead);
	}
	if (!stemCacheReady(tok))
		return SQLITE_NOMEM;
	return tok->parent.xTokenize(tok->parent_instance, &c, flags, text, n_text, stemToken);
}

int
grafi_tokenizer_register(sqlite3 *db, grafi_postings **capture)
{
	fts5_api *api = grafi_fts5_api(db);
	fts5_tokenizer methods = { stemCreate, stemDelete, stemTokenize };
	StemShared *shared;
	int rc;

	if (!api)
		return grafi_fts5_api_error(db);
	shared = sqlite3_malloc(sizeof *shared);
	if (!shared)
		return SQLITE_NOMEM;
	shared->api = api;
	shared->capture = capture;
	/* FTS5 frees SHARED with the registration, but not when it fails. */
	rc = api->xCreateTokenizer(api, GRAFI_TOKENIZER_NAME, shared, &methods, sqlite3_free);
	if (rc != SQLITE_OK)
		sqlite3_free(shared);
	return rc;
}

/* A new instance of IDX's tokenizer (the arguments its tables have),
 * into *OUT, with its methods into *METHODS. */
static int
stemInstance(graf_index *idx, fts5_tokenizer *methods, Fts5Tokenizer **out)
{
	fts5_api *api = grafi_fts5_api(idx->db);
	const char *args[] = { idx->language, "unicode61", "remove_diacritics", "2" };
	void *user_data = NULL;
	int rc;

	*out = NULL;
	if (!api)
		return grafi_fts5_api_error(idx->db);
	rc = api->xFindTokenizer(api, GRAFI_TOKENIZER_NAME, &user_data, methods);
	if (rc == SQLITE_OK)
		rc = methods->xCreate(user_data, args, 4, out);
	return rc;
}

int
grafi_tokenize(graf_index *idx, const char *text, int len, int flags, void *ctx,
	       int (*x_token)(void *, int, const char *, int, int, int))
{
	return grafi_tokenize_for(idx, text, len, flags, NULL, ctx, x_token);
}

int
grafi_tokenize_for(graf_index *idx, const char *text, int len, int flags,
		   const grafi_first_bytes *first, void *ctx,
		   int (*x_token)(void *, int, const char *, int, int, int))
{
	StemTokenizer *tok;
	int rc;

	if (!idx->tokenizer) {
		rc = stemInstance(idx, &idx->tokenizer_methods, &idx->tokenizer);
		if (rc != SQLITE_OK)
			return rc;
	}
	/* IDX's own instance: FTS5 tokenizes with instances of its own. */
	tok = (StemTokenizer *)idx->tokenizer;
	tok->only = NULL;
	if (first && (tok->keeps_first_byte || grafi_first_bytes_empty(first)))
		tok->only = first;
	rc = idx->tokenizer_methods.xTokenize(idx->tokenizer, ctx, flags, text, len, x_token);
	tok->only = NULL;
	return rc;
}

/* The private tokenizer is an instance that captures nothing. */
struct grafi_tokenizer {
	StemTokenizer stem;
};

int
grafi_tokenizer_new(graf_index *idx, grafi_tokenizer **out)
{
	fts5_tokenizer methods;
	Fts5Tokenizer *inst = NULL;
	int rc = stemInstance(idx, &methods, &inst);

	*out = NULL;
	if (rc != SQLITE_OK)
		return rc;
	((StemTokenizer *)inst)->capture = NULL;
	*out = (grafi_tokenizer *)inst;
	return SQLITE_OK;
}

void
grafi_tokenizer_free(grafi_tokenizer *t)
{
	stemDelete((Fts5Tokenizer *)t);
}

/* x_token of grafi_tokenizer_append(): keep the token in the buffer. */
static int
stemKeep(void *ctx, int tflags, const char *token, int n_token, int start, int end)
{
	grafi_token_buf *b = ctx;
	grafi_token *v;
	char *stems;

	/* (offsets of stems are 32 bits: a record is at most 256 MiB) */
	if (b->stems_n + (size_t)n_token > UINT32_MAX)
		return SQLITE_TOOBIG;
	if (!(v = grafi_reserve(b->v, &b->cap, b->n + 1, sizeof *v)))
		return SQLITE_NOMEM;
	b->v = v;
	if (!(stems = grafi_reserve(b->stems, &b->stems_cap, b->stems_n + (size_t)n_token, 1)))
		return SQLITE_NOMEM;
	b->stems = stems;
	memcpy(b->stems + b->stems_n, token, (size_t)n_token);
	b->v[b->n++] = (grafi_token){ .stem = (uint32_t)b->stems_n, .len = n_token, .start = start,
				      .end = end, .flags = tflags };
	b->stems_n += (size_t)n_token;
	return SQLITE_OK;
}

int
grafi_tokenizer_append(grafi_tokenizer *t, const char *text, int len, grafi_token_buf *buf)
{
	size_t from = buf->n;
	int rc = stemTokenize((Fts5Tokenizer *)t, buf, FTS5_TOKENIZE_DOCUMENT, text, len, stemKeep);

	if (rc == SQLITE_OK && !grafi_tokens_count(buf, from))
		rc = SQLITE_NOMEM;
	return rc;
}

void
grafi_tokenizer_release(graf_index *idx)
{
	if (idx->tokenizer)
		idx->tokenizer_methods.xDelete(idx->tokenizer);
	idx->tokenizer = NULL;
}
