/*
 * walk.c - find the files an update reads.
 *
 * A path named by the user is read whatever its name; directories are walked
 * recursively for the file names graf has a reader for (grafi_format_for_name),
 * in name order so that runs are reproducible.  Hidden entries (".git",
 * ".cache") are skipped, as ripgrep does.  Symbolic links are followed; a
 * directory already on the way down (a symlink loop) is reported and skipped.
 *
 * Nothing here decides what is removed from the index; the walk only reports
 * which paths it could not read, so that the update keeps what it has for
 * them instead of taking them for deleted.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graf-private.h"

/* A directory on the current path from the root, for loop detection. */
typedef struct WalkDir {
	dev_t dev;
	ino_t ino;
	const struct WalkDir *parent;
} WalkDir;

typedef struct Walk {
	grafi_walk_result *out;
	graf_input_t input;     /* format of the root, if it is a file */
	void (*warn)(void *ctx, const char *path, const char *message);
	void *ctx;
	graf_status_t status;   /* sticky: NOMEM stops the walk */
} Walk;

static void
walkWarn(Walk *w, const char *path, const char *message)
{
	if (w->warn)
		w->warn(w->ctx, path, message);
}

/* Append to a string vector; sticky on failure. */
static void
walkPushString(Walk *w, char ***v, size_t *n, size_t *cap, const char *s)
{
	char *copy;

	if (w->status != GRAF_STATUS_OK)
		return;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, ncap * sizeof *nv);
		if (!nv) {
			w->status = GRAF_STATUS_NOMEM;
			return;
		}
		*v = nv;
		*cap = ncap;
	}
	copy = strdup(s);
	if (!copy) {
		w->status = GRAF_STATUS_NOMEM;
		return;
	}
	(*v)[(*n)++] = copy;
}

/* Record PATH, a regular file, with its size and time. */
static void
walkAddFile(Walk *w, const char *path, const struct stat *sb, graf_input_t format)
{
	grafi_walk_result *r = w->out;
	grafi_file *f;

	if (w->status != GRAF_STATUS_OK)
		return;
	if (r->n_files == r->cap_files) {
		size_t ncap = r->cap_files ? r->cap_files * 2 : 64;
		grafi_file *nv = realloc(r->files, ncap * sizeof *nv);
		if (!nv) {
			w->status = GRAF_STATUS_NOMEM;
			return;
		}
		r->files = nv;
		r->cap_files = ncap;
	}
	f = &r->files[r->n_files];
	f->path = strdup(path);
	if (!f->path) {
		w->status = GRAF_STATUS_NOMEM;
		return;
	}
	f->size = (int64_t)sb->st_size;
	f->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
	f->format = format;
	r->n_files++;
	r->bytes_total += f->size;
}

/* An unreadable path: warn, and protect what the index holds under it. */
static void
walkUnreadable(Walk *w, const char *path, int err)
{
	char msg[256];

	snprintf(msg, sizeof msg, "cannot read: %s", strerror(err));
	walkWarn(w, path, msg);
	walkPushString(w, &w->out->unreadable, &w->out->n_unreadable,
		       &w->out->cap_unreadable, path);
}

static int
walkCompareNames(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walkPath(Walk *w, const char *path, const WalkDir *parent, bool named, int at,
		     const char *name);

/* Open the directory PATH, which is NAME in the directory AT when AT >= 0.
 * (Each directory on the way down stays open while its entries are
 * looked at: one descriptor per level.) */
static DIR *
walkOpenDirectory(const char *path, int at, const char *name)
{
	int fd;
	DIR *dir;

	if (at < 0)
		return opendir(path);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir)
		close(fd);
	return dir;
}

/* Walk the directory PATH (NAME in the directory AT, when AT >= 0), whose
 * stat is SB. */
static void
walkDirectory(Walk *w, const char *path, const struct stat *sb, const WalkDir *parent, int at,
	      const char *name)
{
	WalkDir here = { sb->st_dev, sb->st_ino, parent };
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	for (const WalkDir *d = parent; d; d = d->parent)
		if (d->dev == sb->st_dev && d->ino == sb->st_ino) {
			walkWarn(w, path, "symbolic link loop; directory skipped");
			return;
		}
	dir = walkOpenDirectory(path, at, name);
	if (!dir) {
		walkUnreadable(w, path, errno);
		return;
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL && w->status == GRAF_STATUS_OK) {
		if (de->d_name[0] == '.')
			continue;  /* ".", "..", and hidden entries */
		walkPushString(w, &names, &n, &cap, de->d_name);
	}
	if (errno != 0 && w->status == GRAF_STATUS_OK)
		walkUnreadable(w, path, errno);

	/* An empty directory leaves NAMES NULL, which qsort() must not get
	 * even with a count of 0. */
	if (n > 0)
		qsort(names, n, sizeof *names, walkCompareNames);
	for (size_t i = 0; i < n; i++) {
		if (w->status == GRAF_STATUS_OK) {
			/* PATH "/" NAME, joined by hand: printf's formatting was
			 * half the walk's time on a directory of 2,000 files */
			size_t len = strlen(path), name_len = strlen(names[i]);
			bool slash = len > 0 && path[len - 1] != '/';
			char *child = malloc(len + slash + name_len + 1);

			if (!child) {
				w->status = GRAF_STATUS_NOMEM;
			} else {
				memcpy(child, path, len);
				child[len] = '/';
				memcpy(child + len + slash, names[i], name_len + 1);
				/* stat()ed by name in the open directory: the
				 * kernel looks up one name, not every one of a
				 * long path (a tenth of an update's time on
				 * 2,225 article files) */
				walkPath(w, child, &here, false, dirfd(dir), names[i]);
			}
			free(child);
		}
		free(names[i]);
	}
	free(names);
	closedir(dir);
}

/* stat() or, with NOFOLLOW, lstat() of PATH, or of NAME in the directory AT
 * when AT >= 0. */
static int
walkStat(const char *path, int at, const char *name, bool nofollow, struct stat *sb)
{
	if (at >= 0)
		return fstatat(at, name, sb, nofollow ? AT_SYMLINK_NOFOLLOW : 0);
	return nofollow ? lstat(path, sb) : stat(path, sb);
}

/* Walk PATH (NAME in the directory AT, when AT >= 0): a file is added if
 * NAMED or if its name has a reader. */
static void
walkPath(Walk *w, const char *path, const WalkDir *parent, bool named, int at, const char *name)
{
	struct stat sb;
	graf_input_t format;

	if (w->status != GRAF_STATUS_OK)
		return;
	if (walkStat(path, at, name, false, &sb) != 0) {
		struct stat lsb;

		if (errno == ENOENT && walkStat(path, at, name, true, &lsb) == 0)
			walkWarn(w, path, "dangling symbolic link; skipped");
		else if (errno == ENOENT && named)
			walkWarn(w, path, "no such file or directory");
		else if (errno == ELOOP)
			walkWarn(w, path, "symbolic link loop; skipped");
		else if (errno != ENOENT)
			walkUnreadable(w, path, errno);
		return;
	}
	if (S_ISDIR(sb.st_mode)) {
		walkDirectory(w, path, &sb, parent, at, name);
		return;
	}
	format = named && w->input != GRAF_INPUT_AUTO ? w->input : grafi_format_for_name(path);
	if (!named && format == GRAF_INPUT_AUTO)
		return;
	if (!S_ISREG(sb.st_mode)) {
		if (named)
			walkWarn(w, path, "not a regular file; skipped");
		return;
	}
	walkAddFile(w, path, &sb, format == GRAF_INPUT_AUTO ? GRAF_INPUT_TEXT : format);
}

graf_status_t
grafi_walk(const char *root, graf_input_t input, grafi_walk_result *out,
	   void (*warn)(void *ctx, const char *path, const char *message), void *ctx)
{
	Walk w = { out, input, warn, ctx, GRAF_STATUS_OK };

	walkPath(&w, root, NULL, true, -1, NULL);
	return w.status;
}

void
grafi_walk_result_release(grafi_walk_result *r)
{
	for (size_t i = 0; i < r->n_files; i++)
		free(r->files[i].path);
	for (size_t i = 0; i < r->n_unreadable; i++)
		free(r->unreadable[i]);
	free(r->files);
	free(r->unreadable);
	memset(r, 0, sizeof *r);
}

graf_input_t
grafi_format_for_name(const char *path)
{
	static const struct {
		const char *suffix;
		graf_input_t format;
	} by_suffix[] = {
		{ ".txt", GRAF_INPUT_TEXT },
		{ ".jsonl", GRAF_INPUT_JSONL },
		{ ".trec", GRAF_INPUT_TREC },
		{ ".sgml", GRAF_INPUT_TREC },
	};
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		return GRAF_INPUT_AUTO;
	for (size_t i = 0; i < sizeof by_suffix / sizeof by_suffix[0]; i++)
		if (strcmp(dot, by_suffix[i].suffix) == 0)
			return by_suffix[i].format;
	return GRAF_INPUT_AUTO;
}

grafi_reader_fn
grafi_reader_for(graf_input_t format)
{
	switch (format) {
	case GRAF_INPUT_JSONL:
		return grafi_read_jsonl;
	case GRAF_INPUT_TREC:
		return grafi_read_trec;
	case GRAF_INPUT_TEXT:
	default:
		return grafi_read_text;
	}
}

grafi_record_end_fn
grafi_record_end_for(graf_input_t format)
{
	switch (format) {
	case GRAF_INPUT_JSONL:
		return grafi_jsonl_record_end;
	case GRAF_INPUT_TREC:
		return grafi_trec_record_end;
	case GRAF_INPUT_TEXT:
	default:
		return NULL;
	}
}
