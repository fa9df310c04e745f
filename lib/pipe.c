/*
 * pipe.c - a reader on the second core: parsing ahead of the writer.
 *
 * Indexing a collection is two kinds of work.  Reading its records (JSON
 * parsing with jansson, decoding, splitting paragraphs) needs nothing from
 * the index; writing them (FTS5, graf's lists, the text store) needs the
 * one SQLite connection.  On Reuters the first kind is a quarter of all
 * instructions.  A pipe runs the reading on a thread of its own and hands
 * what it finds (documents, records known unchanged, warnings) to the
 * writer, in order, through a queue of bounded size: the writer sees the
 * same calls, in the same order, as if it had read the file itself.  A
 * producer of several files (update.c's runs of text files) puts a mark
 * (grafi_pipe_mark()) where each begins.
 *
 * The producer never touches the writer's state; the writer's failures
 * reach the producer only as "stop".  Events are copied whole into one
 * allocation each, and the writer takes every queued event at once: one
 * lock and at most one wake-up per batch, not per document.
 *
 * When no thread can be started (or GRAF_THREADS=1 in the environment, or
 * SQLite was built without thread safety), the producer runs on the
 * caller's thread and each event is delivered as it is made: the same
 * code, the same results.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "graf-private.h"

/*
 * Bytes of events the producer may queue before it waits for the writer
 * to take them.  The writer holds one batch while the producer fills the
 * next, so a pipe holds twice this at most: enough for thousands of news
 * articles, so that the two threads rarely wait for each other.
 */
#define PIPE_QUEUE_BYTES (4u << 20)

enum { PIPE_DOC, PIPE_KNOWN, PIPE_WARN, PIPE_MARK };

/* One event, with everything it points to in the same allocation. */
typedef struct PipeEvent {
	struct PipeEvent *next;
	size_t size;               /* bytes of this allocation */
	int kind;
	uint64_t raw;              /* DOC, KNOWN: hash of the record's bytes */
	sqlite3_int64 id;          /* KNOWN: the article the index has */
	grafi_doc doc;             /* DOC: strings below */
	const grafi_ahead *ahead;  /* DOC: NULL, or of each text, below */
	const char *message;       /* WARN */
	const void *mark;          /* MARK: the producer's bytes, below */
	/* DOC: the paragraphs' pointers, then what was made of each text
	 * (grafi_ahead), then their grafi_token, then bytes: the stems, the
	 * packed paragraphs and the strings. */
	const char *slot[];
} PipeEvent;

/* What was made of one text, by offsets into the producer's buffers. */
typedef struct PipeMade {
	int text_len;              /* of the text */
	size_t token, n_tokens;    /* in grafi_pipe.tokens */
	size_t packed, packed_len; /* in grafi_pipe.packed; LEN 0: none */
	sqlite3_int64 dict_id;
} PipeMade;

struct grafi_pipe {
	const grafi_pipe_sink *sink;
	bool threaded;
	/* Shared between the threads, under LOCK: */
	pthread_mutex_t lock;
	pthread_cond_t ready;      /* the writer waits for events */
	pthread_cond_t room;       /* the producer waits for room */
	PipeEvent *head, *tail;    /* queued, oldest first */
	size_t queued;             /* bytes in head..tail */
	bool done;                 /* the producer returned */
	bool stop;                 /* the writer failed: read no further */
	bool writer_waits, producer_waits;
	/* The producer's: */
	void (*produce)(void *arg, grafi_pipe *p);
	void *arg;
	grafi_tokenizer *tokenizer;  /* NULL: documents go untokenized */
	grafi_packer *packer;      /* NULL: paragraphs go unpacked */
	grafi_token_buf tokens;    /* a document's, reused */
	PipeMade *made;            /* of each text of the document */
	size_t made_cap;
	unsigned char *packed;     /* the document's packed paragraphs */
	size_t packed_n, packed_cap;
	/* The writer's: */
	graf_status_t status;      /* first failure of a sink call */
};

/* Deliver E to the writer's sink; remember the first failure. */
static void
pipeDeliver(grafi_pipe *p, const PipeEvent *e)
{
	graf_status_t st = GRAF_STATUS_OK;

	if (p->status != GRAF_STATUS_OK)
		return;  /* the writer stopped: what follows is dropped */
	switch (e->kind) {
	case PIPE_DOC:
		st = p->sink->doc(p->sink->ctx, e->raw, &e->doc, e->ahead);
		break;
	case PIPE_KNOWN:
		st = p->sink->known(p->sink->ctx, e->raw, e->id);
		break;
	case PIPE_WARN:
		p->sink->warn(p->sink->ctx, e->message);
		break;
	case PIPE_MARK:
		st = p->sink->mark(p->sink->ctx, e->mark);
		break;
	}
	p->status = st;
}

/* Queue E (threaded), or deliver it now.  False: the writer has stopped. */
static bool
pipePut(grafi_pipe *p, PipeEvent *e)
{
	bool go;

	if (!p->threaded) {
		pipeDeliver(p, e);
		free(e);
		return p->status == GRAF_STATUS_OK;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->stop && p->queued >= PIPE_QUEUE_BYTES) {
		p->producer_waits = true;
		pthread_cond_wait(&p->room, &p->lock);
		p->producer_waits = false;
	}
	go = !p->stop;
	if (go) {
		e->next = NULL;
		if (p->tail)
			p->tail->next = e;
		else
			p->head = e;
		p->tail = e;
		p->queued += e->size;
		/* Wake the writer only for a batch worth its wake-up; the
		 * end of the stream wakes it for the rest. */
		if (p->writer_waits && p->queued >= PIPE_QUEUE_BYTES / 16)
			pthread_cond_signal(&p->ready);
	}
	pthread_mutex_unlock(&p->lock);
	if (!go)
		free(e);
	return go;
}

/* A new event of KIND with EXTRA bytes after it, or NULL. */
static PipeEvent *
pipeEvent(int kind, size_t extra)
{
	PipeEvent *e = malloc(sizeof *e + extra);

	if (e) {
		memset(e, 0, sizeof *e);
		e->kind = kind;
		e->size = sizeof *e + extra;
	}
	return e;
}

/* Copy the string S to *AT and return the copy; *AT moves past it. */
static const char *
pipeCopy(char **at, const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = memcpy(*at, s, n);

	*at += n;
	return copy;
}

/*
 * Make what can be made of DOC's texts ahead of the writer: tokens (into
 * p->tokens) and packed paragraphs (into p->packed), described in p->made
 * with offsets.  False: nothing made (no thread, no tokenizer); *NOMEM when
 * memory ran out.
 */
static bool
pipeMake(grafi_pipe *p, const grafi_doc *doc, bool *nomem)
{
	size_t n_texts = doc->n_paragraphs + 1;
	PipeMade *made;

	*nomem = false;
	if (!p->threaded || !p->tokenizer)
		return false;
	made = grafi_reserve(p->made, &p->made_cap, n_texts, sizeof *made);
	if (!made) {
		*nomem = true;
		return false;
	}
	p->made = made;
	p->tokens.n = p->tokens.stems_n = 0;
	p->packed_n = 0;
	for (size_t k = 0; k < n_texts; k++) {
		const char *text = k == 0 ? doc->title : doc->paragraphs[k - 1];
		size_t len = strlen(text);
		PipeMade *m = &p->made[k];
		int rc;

		m->text_len = (int)len;  /* (checked below) */
		m->token = p->tokens.n;
		m->packed_len = 0;
		rc = len > INT32_MAX ? SQLITE_TOOBIG
				     : grafi_tokenizer_append(p->tokenizer, text, (int)len, &p->tokens);
		if (rc != SQLITE_OK) {
			*nomem = rc == SQLITE_NOMEM;
			return false;
		}
		m->n_tokens = p->tokens.n - m->token;
		if (k > 0 && p->packer) {
			const void *z;
			size_t n;

			if (grafi_packer_pack(p->packer, text, len, &z, &n, &m->dict_id) !=
			    GRAF_STATUS_OK) {
				*nomem = true;
				return false;
			}
			if (z) {
				unsigned char *packed = grafi_reserve(p->packed, &p->packed_cap,
								    p->packed_n + n, 1);

				if (!packed) {
					*nomem = true;
					return false;
				}
				p->packed = packed;
				memcpy(p->packed + p->packed_n, z, n);
				m->packed = p->packed_n;
				m->packed_len = n;
				p->packed_n += n;
			}
		}
	}
	return true;
}

graf_status_t
grafi_pipe_doc(grafi_pipe *p, uint64_t raw, const grafi_doc *doc)
{
	size_t n_texts = doc->n_paragraphs + 1, extra;
	bool nomem, made;
	grafi_ahead *ahead = NULL;
	grafi_token *v = NULL;
	char *stems = NULL;
	unsigned char *packed = NULL;
	PipeEvent *e;
	char *at;

	/* (stopped: not worth tokenizing and packing for nothing) */
	if (grafi_pipe_stopped(p))
		return GRAF_STATUS_INTERRUPTED;
	made = pipeMake(p, doc, &nomem);
	if (nomem)
		return GRAF_STATUS_NOMEM;
	extra = doc->n_paragraphs * sizeof(const char *) + strlen(doc->docid) + strlen(doc->title) + 2;
	for (size_t i = 0; i < doc->n_paragraphs; i++)
		extra += strlen(doc->paragraphs[i]) + 1;
	if (made)
		extra += n_texts * sizeof *ahead + p->tokens.n * sizeof *v + p->tokens.stems_n +
			 p->packed_n;
	if (!(e = pipeEvent(PIPE_DOC, extra)))
		return GRAF_STATUS_NOMEM;
	/* In the order of PipeEvent.slot, each part aligned for the next. */
	at = (char *)(e->slot + doc->n_paragraphs);
	if (made) {
		ahead = (grafi_ahead *)at;
		v = (grafi_token *)(ahead + n_texts);
		stems = (char *)(v + p->tokens.n);
		packed = (unsigned char *)stems + p->tokens.stems_n;
		at = (char *)packed + p->packed_n;
		/* (the buffers are NULL until a first token, a first packing) */
		if (p->tokens.n)
			memcpy(v, p->tokens.v, p->tokens.n * sizeof *v);
		if (p->tokens.stems_n)
			memcpy(stems, p->tokens.stems, p->tokens.stems_n);
		if (p->packed_n)
			memcpy(packed, p->packed, p->packed_n);
		e->ahead = ahead;
	}
	e->raw = raw;
	e->doc.docid = pipeCopy(&at, doc->docid);
	e->doc.title = pipeCopy(&at, doc->title);
	for (size_t i = 0; i < doc->n_paragraphs; i++)
		e->slot[i] = pipeCopy(&at, doc->paragraphs[i]);
	e->doc.paragraphs = e->slot;
	e->doc.n_paragraphs = doc->n_paragraphs;
	/* Offsets to pointers; the tokens are of the texts the writer will
	 * bind: these copies. */
	for (size_t k = 0; made && k < n_texts; k++) {
		const PipeMade *m = &p->made[k];
		const char *text = k == 0 ? e->doc.title : e->slot[k - 1];

		ahead[k] = (grafi_ahead){
			.tokens = { .text = text, .text_len = m->text_len,
				    .v = v + m->token, .n = m->n_tokens, .stems = stems },
			.packed = m->packed_len ? packed + m->packed : NULL,
			.packed_len = m->packed_len,
			.dict_id = m->dict_id,
		};
	}
	return pipePut(p, e) ? GRAF_STATUS_OK : GRAF_STATUS_INTERRUPTED;
}

graf_status_t
grafi_pipe_known(grafi_pipe *p, uint64_t raw, sqlite3_int64 id)
{
	PipeEvent *e = pipeEvent(PIPE_KNOWN, 0);

	if (!e)
		return GRAF_STATUS_NOMEM;
	e->raw = raw;
	e->id = id;
	return pipePut(p, e) ? GRAF_STATUS_OK : GRAF_STATUS_INTERRUPTED;
}

graf_status_t
grafi_pipe_warn(grafi_pipe *p, const char *message)
{
	PipeEvent *e = pipeEvent(PIPE_WARN, strlen(message) + 1);
	char *at;

	if (!e)
		return GRAF_STATUS_NOMEM;
	at = (char *)e->slot;
	e->message = pipeCopy(&at, message);
	return pipePut(p, e) ? GRAF_STATUS_OK : GRAF_STATUS_INTERRUPTED;
}

graf_status_t
grafi_pipe_mark(grafi_pipe *p, const void *data, size_t size)
{
	PipeEvent *e = pipeEvent(PIPE_MARK, size);

	if (!e)
		return GRAF_STATUS_NOMEM;
	e->mark = memcpy(e->slot, data, size);
	return pipePut(p, e) ? GRAF_STATUS_OK : GRAF_STATUS_INTERRUPTED;
}

bool
grafi_pipe_stopped(grafi_pipe *p)
{
	bool stop;

	if (!p->threaded)
		return p->status != GRAF_STATUS_OK;
	pthread_mutex_lock(&p->lock);
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

/* The producer's thread: run it, then say so. */
static void *
pipeThread(void *arg)
{
	grafi_pipe *p = arg;

	p->produce(p->arg, p);
	pthread_mutex_lock(&p->lock);
	p->done = true;
	pthread_cond_signal(&p->ready);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Start the producer's thread, with every signal blocked in it (they are
 * the writer's to handle: SIGINT interrupts the run), and set p->threaded.
 * False: none. */
static bool
pipeStart(grafi_pipe *p, pthread_t *thread)
{
	sigset_t all, old;
	int rc;
	const char *threads = getenv("GRAF_THREADS");

	/* The thread tokenizes with FTS5's unicode61, whose buffers come
	 * from SQLite's allocator: safe only in a thread-safe SQLite. */
	if ((threads && strcmp(threads, "1") == 0) || !sqlite3_threadsafe())
		return false;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* Threaded before the thread starts: its first put must queue, not
	 * deliver on its own thread (the check suite caught that race). */
	p->threaded = true;
	rc = pthread_create(thread, NULL, pipeThread, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		p->threaded = false;  /* no thread: no one else reads it */
	return rc == 0;
}

/* The writer's side: deliver batches until the producer is done. */
static void
pipeDrain(grafi_pipe *p)
{
	for (;;) {
		PipeEvent *batch, *next;
		bool done;

		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->done) {
			p->writer_waits = true;
			pthread_cond_wait(&p->ready, &p->lock);
			p->writer_waits = false;
		}
		batch = p->head;
		done = p->done;
		p->head = p->tail = NULL;
		p->queued = 0;
		if (p->producer_waits)
			pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->lock);

		for (; batch; batch = next) {
			next = batch->next;
			pipeDeliver(p, batch);
			free(batch);
		}
		if (p->status != GRAF_STATUS_OK) {
			pthread_mutex_lock(&p->lock);
			if (!p->stop) {
				p->stop = true;
				pthread_cond_signal(&p->room);
			}
			pthread_mutex_unlock(&p->lock);
		}
		if (done)
			return;
	}
}

graf_status_t
grafi_pipe_run(void (*produce)(void *arg, grafi_pipe *p), void *arg, const grafi_pipe_sink *sink,
	       grafi_tokenizer *tokenizer, grafi_packer *packer)
{
	grafi_pipe p = { .sink = sink, .produce = produce, .arg = arg, .tokenizer = tokenizer,
			 .packer = packer };
	pthread_t thread;

	if (pthread_mutex_init(&p.lock, NULL) != 0)
		return GRAF_STATUS_NOMEM;
	if (pthread_cond_init(&p.ready, NULL) != 0) {
		pthread_mutex_destroy(&p.lock);
		return GRAF_STATUS_NOMEM;
	}
	if (pthread_cond_init(&p.room, NULL) != 0) {
		pthread_cond_destroy(&p.ready);
		pthread_mutex_destroy(&p.lock);
		return GRAF_STATUS_NOMEM;
	}
	if (pipeStart(&p, &thread)) {
		pipeDrain(&p);
		pthread_join(thread, NULL);
	} else {
		produce(arg, &p);
	}
	pthread_cond_destroy(&p.room);
	pthread_cond_destroy(&p.ready);
	pthread_mutex_destroy(&p.lock);
	free(p.tokens.v);
	free(p.tokens.stems);
	free(p.tokens.slots);
	free(p.made);
	free(p.packed);
	return p.status;
}
