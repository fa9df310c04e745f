/*
 * check_pipe.c - the pipe (lib/pipe.c): grafi_pipe_run() hands the writer's
 * sink what a producer puts, whole and in order, whether the producer runs
 * on a thread of its own or (GRAF_THREADS=1) on the caller's; a failing
 * sink stops the producer.
 *
 * The producer puts a stream of documents, known records and warnings made
 * from their index alone, and records a hash of each; the sink records a
 * hash of what it is given, so the two recordings are compared event by
 * event.  The callbacks only record: a failed assertion on the producer's
 * thread, or in the sink while that thread runs, would leave the thread
 * behind.  The tests assert once grafi_pipe_run() has returned.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graf-private.h"
#include "check_graf.h"

/* pipe.c's PIPE_QUEUE_BYTES: what the producer may queue before it waits.
 * The writer holds one batch while the producer fills the next, so a pipe
 * holds twice this at most, and one event more for each. */
#define QUEUE_BYTES ((size_t)4 << 20)

/*
 * The stream: N_EVENTS events, of which every BIG_EVERY-th (from FIRST_BIG)
 * is a document with a paragraph of about BIG_BYTES: some 20 MB in all,
 * five times the queue, so that the producer must wait for room.
 */
#define N_EVENTS 3000
#define BIG_EVERY 150
#define FIRST_BIG 5
#define BIG_BYTES 1000000
#define BIG_JITTER 4096        /* big paragraphs: BIG_BYTES + 0..BIG_JITTER-1 */
#define SMALL_MAX 300          /* other paragraphs: 1..SMALL_MAX bytes */
#define MAX_PARAGRAPHS 6

/* Room for one document's paragraphs, each with its NUL. */
#define TEXT_BYTES (BIG_BYTES + BIG_JITTER + MAX_PARAGRAPHS * (SMALL_MAX + 1))

/* The largest event's payload (its strings), with room for docid and title. */
#define EVENT_MAX (TEXT_BYTES + 256)

/* How many events a producer that must see a stop puts at the most. */
#define STOP_LIMIT 1000000

/* Short threaded runs that look for a sink called on the wrong thread. */
#define WRITER_THREAD_RUNS 5000

/* How long a stalled sink waits for the producer to get ahead, in ms:
 * generous, because the sanitizer build is several times slower. */
#define STALL_LIMIT_MS 30000

enum { EV_DOC, EV_KNOWN, EV_WARN, EV_KINDS };

/* ---------------------------------------------------------------- events -- */

/* One event of the stream, in buffers reused from one event to the next, as
 * a reader reuses its own: the pipe must copy what it is given. */
typedef struct Event {
	int kind;
	uint64_t raw;                        /* DOC, KNOWN */
	sqlite3_int64 id;                    /* KNOWN */
	char docid[32], title[128];          /* DOC */
	const char *para[MAX_PARAGRAPHS];    /* DOC: into TEXT */
	size_t n_paragraphs;
	char *text;                          /* TEXT_BYTES */
	size_t text_used;
	char message[600];                   /* WARN */
} Event;

/* splitmix64: the stream's every choice comes from its index through this. */
static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* The kind of event I: mostly documents, interleaved with the other two. */
static int
eventKind(size_t i)
{
	uint64_t x = mix(i) % 8;

	if (i % BIG_EVERY == FIRST_BIG)
		return EV_DOC;
	return x < 4 ? EV_DOC : x < 6 ? EV_KNOWN : EV_WARN;
}

/* The index of the Nth (from 1) event of KIND. */
static size_t
eventNth(int kind, size_t n)
{
	size_t i = 0;

	for (size_t seen = 0;; i++)
		if (eventKind(i) == kind && ++seen == n)
			break;
	return i;
}

/* Fill S[0..LEN) with bytes 1..255 drawn from SEED and end it: the pipe
 * copies bytes, whatever they are. */
static void
fillText(char *s, size_t len, uint64_t seed)
{
	for (size_t j = 0; j < len; j++) {
		if (j % 8 == 0)
			seed = mix(seed);
		s[j] = (char)(1 + ((seed >> (j % 8 * 8)) & 0xff) % 255);
	}
	s[len] = '\0';
}

/* Make event I in EV's buffers. */
static void
eventMake(Event *ev, size_t i)
{
	uint64_t x = mix(i);
	size_t big;

	ev->kind = eventKind(i);
	ev->text_used = 0;
	/* raw 0 means "none"; the extremes must pass unchanged */
	ev->raw = i % 50 == 0 ? 0 : i % 77 == 0 ? UINT64_MAX : mix(x);
	switch (ev->kind) {
	case EV_DOC:
		snprintf(ev->docid, sizeof ev->docid, "doc-%zu", i);
		if ((x >> 3) % 10 == 0)
			ev->title[0] = '\0';
		else
			snprintf(ev->title, sizeof ev->title, "Title %zu: \xc3\xa9t\xc3\xa9 %llx", i,
				 (unsigned long long)x);
		/* title-only documents too, but the big one has a paragraph */
		ev->n_paragraphs = (x >> 8) % (MAX_PARAGRAPHS + 1);
		big = MAX_PARAGRAPHS;
		if (i % BIG_EVERY == FIRST_BIG) {
			ev->n_paragraphs += ev->n_paragraphs == 0;
			big = (x >> 16) % ev->n_paragraphs;
		}
		for (size_t k = 0; k < ev->n_paragraphs; k++) {
			size_t len = k == big ? BIG_BYTES + (x >> 20) % BIG_JITTER
					      : 1 + mix(x + k) % SMALL_MAX;

			fillText(ev->text + ev->text_used, len, x + k);
			ev->para[k] = ev->text + ev->text_used;
			ev->text_used += len + 1;
		}
		break;
	case EV_KNOWN:
		ev->id = i % 40 == 0 ? INT64_MAX : (sqlite3_int64)(x >> 1);
		break;
	case EV_WARN:
		if (i % 97 == 0) {
			ev->message[0] = '\0';
		} else {
			int n = snprintf(ev->message, sizeof ev->message, "record %zu: ", i);

			fillText(ev->message + n, (x >> 8) % 500, x);
		}
		break;
	}
}

/* Overwrite EV's strings (each still ends), as a reader moving on would:
 * a sink that gets them and not copies sees this instead. */
static void
eventScribble(Event *ev)
{
	memset(ev->docid, 'X', sizeof ev->docid - 1);
	memset(ev->title, 'X', sizeof ev->title - 1);
	memset(ev->message, 'X', sizeof ev->message - 1);
	if (ev->text_used)
		memset(ev->text, 'X', ev->text_used - 1);
}

/* EV as the document the producer puts. */
static grafi_doc
eventDoc(const Event *ev)
{
	return (grafi_doc){ .docid = ev->docid, .title = ev->title, .paragraphs = ev->para,
			    .n_paragraphs = ev->n_paragraphs };
}

/* ------------------------------------------------------------ recordings -- */

/* What one side saw of one event: its kind, a hash of all it carries, and
 * the bytes of its strings. */
typedef struct Seen {
	int kind;
	uint64_t hash;
	size_t bytes;
} Seen;

/* One side's events, in order. */
typedef struct Rec {
	Seen *v;
	size_t n, cap;
	bool nomem;      /* an event could not be recorded */
} Rec;

#define FNV_OFFSET 0xcbf29ce484222325u

/* FNV-1a of DATA[0..LEN), continuing from H. */
static uint64_t
hashBytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t j = 0; j < len; j++)
		h = (h ^ p[j]) * 0x100000001b3u;
	return h;
}

static uint64_t
hashU64(uint64_t h, uint64_t v)
{
	return hashBytes(h, &v, sizeof v);
}

/* The string S with its length, so that where one string ends counts;
 * *BYTES grows by that length. */
static uint64_t
hashStr(uint64_t h, const char *s, size_t *bytes)
{
	size_t n = strlen(s);

	*bytes += n;
	return hashBytes(hashU64(h, n), s, n);
}

static Seen
seeDoc(uint64_t raw, const grafi_doc *doc)
{
	Seen s = { .kind = EV_DOC };
	uint64_t h = hashU64(hashU64(FNV_OFFSET, EV_DOC), raw);

	h = hashStr(hashStr(h, doc->docid, &s.bytes), doc->title, &s.bytes);
	h = hashU64(h, doc->n_paragraphs);
	for (size_t k = 0; k < doc->n_paragraphs; k++)
		h = hashStr(h, doc->paragraphs[k], &s.bytes);
	s.hash = h;
	return s;
}

static Seen
seeKnown(uint64_t raw, sqlite3_int64 id)
{
	uint64_t h = hashU64(hashU64(FNV_OFFSET, EV_KNOWN), raw);

	return (Seen){ .kind = EV_KNOWN, .hash = hashU64(h, (uint64_t)id) };
}

static Seen
seeWarn(const char *message)
{
	Seen s = { .kind = EV_WARN };

	s.hash = hashStr(hashU64(FNV_OFFSET, EV_WARN), message, &s.bytes);
	return s;
}

/* Add S to R (on either thread: no assertion here). */
static void
recAdd(Rec *r, Seen s)
{
	Seen *v = grafi_reserve(r->v, &r->cap, r->n + 1, sizeof *v);

	if (!v) {
		r->nomem = true;
		return;
	}
	r->v = v;
	r->v[r->n++] = s;
}

/* Assert that GOT holds exactly the first N events of WANT. */
static void
assertSame(const Rec *got, const Rec *want, size_t n)
{
	ck_assert(!got->nomem && !want->nomem);
	ck_assert_msg(got->n == n, "%zu events delivered, expected %zu", got->n, n);
	ck_assert_uint_ge(want->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(got->v[i].kind == want->v[i].kind && got->v[i].hash == want->v[i].hash,
			      "event %zu: kind %d hash %016llx, expected kind %d hash %016llx", i,
			      got->v[i].kind, (unsigned long long)got->v[i].hash, want->v[i].kind,
			      (unsigned long long)want->v[i].hash);
}

/* ----------------------------------------------------- producer and sink -- */

/* Bytes (of strings) put and delivered, shared by the two threads: how far
 * the producer is ahead of the writer.  The producer counts an event before
 * it puts it, so that DELIVERED never passes PUT. */
typedef struct Flow {
	atomic_size_t put, delivered;
} Flow;

typedef struct Producer {
	size_t n_events;         /* events to put, unless the pipe stops first */
	Flow *flow;
	Rec tried;               /* every event it tried to put, in order */
	size_t n_ok;             /* of which put with GRAF_STATUS_OK */
	unsigned runs;           /* calls of produce() */
	pthread_t thread;        /* the thread it ran on */
	size_t max_ahead;        /* the most bytes put but not delivered, after a put */
	graf_status_t refused;   /* the status of the first put not OK */
	bool saw_stop;           /* a put was refused, or grafi_pipe_stopped() */
	bool stop_sticks;        /* then every call was INTERRUPTED, stopped() true */
} Producer;

typedef struct Sink {
	Flow *flow;
	Rec got;                 /* what was delivered, in order */
	pthread_t test_thread;
	bool other_thread;       /* a callback ran on another thread than the test's */
	size_t n_ahead;          /* documents delivered with AHEAD set */
	size_t n_kind[EV_KINDS]; /* events delivered, by kind */
	int fail_kind;           /* fail at the FAIL_NTH event of this kind */
	size_t fail_nth;         /* (from 1; 0: never) */
	graf_status_t fail_status;
	bool failed;
	size_t after_failure;    /* events delivered after the failure */
	size_t stall_at;         /* index of the event to stall at (SIZE_MAX: none) */
	bool stall_timed_out;
} Sink;

/* Put EV, counted first in PR's recording and flow. */
static graf_status_t
producerPut(Producer *pr, grafi_pipe *p, const Event *ev)
{
	grafi_doc doc = eventDoc(ev);
	Seen s = ev->kind == EV_DOC     ? seeDoc(ev->raw, &doc)
		 : ev->kind == EV_KNOWN ? seeKnown(ev->raw, ev->id)
					: seeWarn(ev->message);

	recAdd(&pr->tried, s);
	atomic_fetch_add(&pr->flow->put, s.bytes);
	switch (ev->kind) {
	case EV_DOC:
		return grafi_pipe_doc(p, ev->raw, &doc);
	case EV_KNOWN:
		return grafi_pipe_known(p, ev->raw, ev->id);
	default:
		return grafi_pipe_warn(p, ev->message);
	}
}

/* Once stopped, the pipe stays stopped: each call is refused. */
static bool
producerStopSticks(grafi_pipe *p)
{
	static const char *const para[] = { "late" };
	const grafi_doc doc = { .docid = "late", .title = "", .paragraphs = para,
				.n_paragraphs = 1 };

	return grafi_pipe_stopped(p) && grafi_pipe_doc(p, 1, &doc) == GRAF_STATUS_INTERRUPTED &&
	       grafi_pipe_known(p, 1, 1) == GRAF_STATUS_INTERRUPTED &&
	       grafi_pipe_warn(p, "late") == GRAF_STATUS_INTERRUPTED;
}

/* The producer: put the stream's first PR->n_events events, or fewer when
 * the pipe stops, as a reader would. */
static void
produce(void *arg, grafi_pipe *p)
{
	Producer *pr = arg;
	Event ev = { .text = malloc(TEXT_BYTES) };

	pr->runs++;
	pr->thread = pthread_self();
	if (!ev.text)
		return;  /* the test sees nothing put */
	for (size_t i = 0; i < pr->n_events && !pr->saw_stop; i++) {
		graf_status_t st;

		eventMake(&ev, i);
		st = producerPut(pr, p, &ev);
		eventScribble(&ev);
		if (st != GRAF_STATUS_OK) {
			pr->refused = st;
			pr->saw_stop = true;
		} else {
			size_t ahead = atomic_load(&pr->flow->put) - atomic_load(&pr->flow->delivered);

			pr->n_ok++;
			if (ahead > pr->max_ahead)
				pr->max_ahead = ahead;
			pr->saw_stop = grafi_pipe_stopped(p);
		}
	}
	if (pr->saw_stop)
		pr->stop_sticks = producerStopSticks(p);
	free(ev.text);
}

/*
 * Hold the writer until the producer is half a queue ahead (the writer
 * being busy must not hold the producer back), then a little longer, so
 * that a bounded queue fills and the producer waits for room.  Half a
 * queue: events' headers count in the queue's bytes, not in the flow's.
 */
static void
sinkStall(Sink *s)
{
	struct timespec tick = { 0, 1000000 };  /* 1 ms */
	struct timespec settle = { 0, 100000000 };  /* 100 ms */

	for (long ms = 0; atomic_load(&s->flow->put) - atomic_load(&s->flow->delivered) <
			  QUEUE_BYTES / 2;
	     ms++) {
		if (ms == STALL_LIMIT_MS) {
			s->stall_timed_out = true;
			return;
		}
		nanosleep(&tick, NULL);
	}
	nanosleep(&settle, NULL);
}

/* Record SEEN; fail if it is the event to fail at. */
static graf_status_t
sinkSaw(Sink *s, Seen seen)
{
	bool here = pthread_equal(pthread_self(), s->test_thread) != 0;

	s->other_thread |= !here;
	if (s->failed) {
		s->after_failure++;
		return s->fail_status;
	}
	/* (a stall on the producer's thread would wait for itself) */
	if (s->got.n == s->stall_at && here)
		sinkStall(s);
	recAdd(&s->got, seen);
	atomic_fetch_add(&s->flow->delivered, seen.bytes);
	if (++s->n_kind[seen.kind] == s->fail_nth && seen.kind == s->fail_kind) {
		s->failed = true;
		return s->fail_status;
	}
	return GRAF_STATUS_OK;
}

static graf_status_t
sinkDoc(void *ctx, uint64_t raw, const grafi_doc *doc, const grafi_ahead *ahead)
{
	Sink *s = ctx;

	if (ahead)
		s->n_ahead++;
	return sinkSaw(s, seeDoc(raw, doc));
}

static graf_status_t
sinkKnown(void *ctx, uint64_t raw, sqlite3_int64 id)
{
	return sinkSaw(ctx, seeKnown(raw, id));
}

static void
sinkWarn(void *ctx, const char *message)
{
	sinkSaw(ctx, seeWarn(message));
}

/* One run of the pipe: a producer, a sink and what flows between them. */
typedef struct Run {
	Flow flow;
	Producer pr;
	Sink s;
} Run;

/* Set R up for a producer of the stream's first N_EVENTS events and a sink
 * that neither stalls nor fails; release with runRelease(). */
static void
runInit(Run *r, size_t n_events)
{
	memset(r, 0, sizeof *r);
	r->pr.flow = r->s.flow = &r->flow;
	r->pr.n_events = n_events;
	r->s.stall_at = SIZE_MAX;
}

static void
runRelease(Run *r)
{
	free(r->pr.tried.v);
	free(r->s.got.v);
}

/*
 * Run the pipe of R, without a tokenizer or a packer: on a thread of its
 * own when THREADED, else with GRAF_THREADS=1 on this one.  The environment
 * is restored after (CK_FORK=no runs every test in one process).
 */
static graf_status_t
runPipe(bool threaded, Run *r)
{
	const grafi_pipe_sink sink = { .doc = sinkDoc, .known = sinkKnown, .warn = sinkWarn,
				       .ctx = &r->s };
	const char *env = getenv("GRAF_THREADS");
	char *saved = env ? strdup(env) : NULL;
	graf_status_t st;

	ck_assert(!env || saved);
	ck_assert_int_eq(threaded ? unsetenv("GRAF_THREADS") : setenv("GRAF_THREADS", "1", 1), 0);
	r->s.test_thread = pthread_self();
	st = grafi_pipe_run(produce, &r->pr, &sink, NULL, NULL);
	ck_assert_int_eq(saved ? setenv("GRAF_THREADS", saved, 1) : unsetenv("GRAF_THREADS"), 0);
	free(saved);
	return st;
}

/* Assert where the producer and the sink ran: the sink always on this
 * thread, the producer on another one when THREADED. */
static void
assertThreads(bool threaded, const Run *r)
{
	bool same = pthread_equal(r->pr.thread, pthread_self()) != 0;

	ck_assert_uint_eq(r->pr.runs, 1);
	ck_assert_msg(!r->s.other_thread, "the sink was called on another thread");
	ck_assert_msg(same != threaded,
		      threaded ? "the producer ran on the caller's thread"
			       : "GRAF_THREADS=1, yet the producer ran on another thread");
}

/* --------------------------------------------------------------- core -- */

/* The whole stream arrives once, in order, with the same content, on
 * either path; the producer runs ahead of a busy writer, but no further
 * than the queue allows. */
START_TEST(test_pipe_order)
{
	Rec runs[2];
	size_t want[EV_KINDS] = { 0 };

	for (size_t i = 0; i < N_EVENTS; i++)
		want[eventKind(i)]++;
	for (int threaded = 0; threaded < 2; threaded++) {
		Run r;

		runInit(&r, N_EVENTS);
		if (threaded)
			r.s.stall_at = FIRST_BIG;
		ck_assert_int_eq(runPipe(threaded, &r), GRAF_STATUS_OK);
		assertThreads(threaded, &r);
		ck_assert_uint_eq(r.pr.n_ok, N_EVENTS);
		ck_assert(!r.pr.saw_stop);
		assertSame(&r.s.got, &r.pr.tried, N_EVENTS);
		for (int k = 0; k < EV_KINDS; k++)
			ck_assert_uint_eq(r.s.n_kind[k], want[k]);
		/* neither a tokenizer nor a packer: nothing made ahead */
		ck_assert_uint_eq(r.s.n_ahead, 0);
		if (threaded) {
			ck_assert_msg(!r.s.stall_timed_out,
				      "the producer did not get ahead of a busy writer");
			ck_assert_msg(r.pr.max_ahead <= 2 * (QUEUE_BYTES + EVENT_MAX),
				      "the producer got %zu bytes ahead", r.pr.max_ahead);
		} else {
			/* each event delivered as it is put */
			ck_assert_uint_eq(r.pr.max_ahead, 0);
		}
		runs[threaded] = r.s.got;
		r.s.got = (Rec){ 0 };
		runRelease(&r);
	}
	assertSame(&runs[1], &runs[0], N_EVENTS);
	free(runs[0].v);
	free(runs[1].v);
}
END_TEST

/* A producer that puts nothing: the run succeeds and the sink sees nothing. */
START_TEST(test_pipe_empty)
{
	for (int threaded = 0; threaded < 2; threaded++) {
		Run r;

		runInit(&r, 0);
		ck_assert_int_eq(runPipe(threaded, &r), GRAF_STATUS_OK);
		assertThreads(threaded, &r);
		ck_assert_uint_eq(r.s.got.n, 0);
		ck_assert(!r.pr.saw_stop);
		runRelease(&r);
	}
}
END_TEST

/*
 * The sink is called on the writer's thread from the first event on, even
 * when the producer puts it at once: the producer's thread may run before
 * pthread_create() has returned to the writer.  One run in a few hundred
 * puts its first event that soon, hence many short runs.
 */
START_TEST(test_pipe_writer_thread)
{
	size_t wrong = 0;

	for (int run = 0; run < WRITER_THREAD_RUNS; run++) {
		Run r;

		runInit(&r, 1);
		ck_assert_int_eq(runPipe(true, &r), GRAF_STATUS_OK);
		ck_assert_uint_eq(r.s.got.n, 1);
		wrong += r.s.other_thread;
		runRelease(&r);
	}
	ck_assert_msg(wrong == 0, "the sink ran on the producer's thread in %zu of %d runs", wrong,
		      WRITER_THREAD_RUNS);
}
END_TEST

/* ------------------------------------------------------------- errors -- */

/*
 * A sink that fails at the Nth document (or known record): the run returns
 * its status, the sink sees nothing after it, and the producer, which puts
 * until it is told to stop, is told and returns.  Threaded, the writer
 * stalls at the failing event until the producer has filled the queue, so
 * that the stop must wake a producer waiting for room.
 */
START_TEST(test_pipe_stop)
{
	static const struct {
		int kind;
		size_t nth;
		graf_status_t status;
	} cases[] = {
		{ EV_DOC, 400, GRAF_STATUS_IO },
		{ EV_KNOWN, 250, GRAF_STATUS_FULL },
		{ EV_DOC, 1, GRAF_STATUS_SQLITE },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t at = eventNth(cases[c].kind, cases[c].nth);

		for (int threaded = 0; threaded < 2; threaded++) {
			Run r;

			runInit(&r, STOP_LIMIT);
			r.s.fail_kind = cases[c].kind;
			r.s.fail_nth = cases[c].nth;
			r.s.fail_status = cases[c].status;
			if (threaded)
				r.s.stall_at = at;
			ck_assert_int_eq(runPipe(threaded, &r), cases[c].status);
			assertThreads(threaded, &r);
			ck_assert_msg(r.pr.saw_stop,
				      "the producer put %zu events and was never stopped", r.pr.n_ok);
			ck_assert(r.pr.refused == GRAF_STATUS_OK ||
				  r.pr.refused == GRAF_STATUS_INTERRUPTED);
			ck_assert(r.pr.stop_sticks);
			ck_assert(r.s.failed);
			ck_assert_uint_eq(r.s.after_failure, 0);
			/* everything up to the failing event, and no further */
			assertSame(&r.s.got, &r.pr.tried, at + 1);
			if (threaded) {
				/* the failing event was queued before the sink saw it */
				ck_assert_uint_gt(r.pr.n_ok, at);
				ck_assert(!r.s.stall_timed_out);
			} else {
				/* delivered as put: the failing put is the refused one */
				ck_assert_uint_eq(r.pr.n_ok, at);
				ck_assert_int_eq(r.pr.refused, GRAF_STATUS_INTERRUPTED);
				ck_assert_uint_eq(r.pr.tried.n, at + 1);
			}
			runRelease(&r);
		}
	}
}
END_TEST

Suite *
pipe_suite(void)
{
	Suite *s = suite_create("pipe");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	/* tens of megabytes through the pipe, hashed on both sides */
	tcase_set_timeout(core, CK_SLOW_TIMEOUT);
	tcase_add_test(core, test_pipe_order);
	tcase_add_test(core, test_pipe_empty);
	tcase_add_test(core, test_pipe_writer_thread);
	suite_add_tcase(s, core);

	tcase_set_timeout(errors, CK_SLOW_TIMEOUT);
	tcase_add_test(errors, test_pipe_stop);
	suite_add_tcase(s, errors);
	return s;
}
