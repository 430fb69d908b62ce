/* keys.c: makes, reads and holds the two secret keys kept outside the
 * database (DATA/keys/audit.key and DATA/keys/data.key, 32 bytes each).
 *
 * It must never overwrite or truncate an existing key file (losing the
 * audit key makes the whole audit chain unverifiable; losing the data key
 * loses every sealed secret), never leave a short key file behind after a
 * crash, never log or print a key's bytes, and never leave a copy of a key
 * on its own stack after returning. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/crypto.h"
#include "../core/log.h"

#define KEY_LEN 32

static const char *const key_names[2] = { "audit.key", "data.key" };

/* The keys the running program loaded; see keys_set(). */
static keys loaded;
static int loaded_set;

/* Writes "a/b" into out (len bytes). XA_ETOOBIG when it does not fit. */
static xa_err
join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= len)
		return XA_ETOOBIG;
	return XA_OK;
}

/* Writes all n bytes of p to fd, riding out short writes and EINTR. */
static xa_err
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return XA_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return XA_OK;
}

/* fsyncs the directory at path, so a name made or removed in it survives
 * a power cut. */
static xa_err
sync_dir(const char *path)
{
	xa_err err = XA_OK;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return XA_EIO;
	if (fsync(fd) != 0)
		err = XA_EIO;
	close(fd);
	return err;
}

/* Makes dir/name holding 32 fresh random bytes unless dir/name exists
 * (any kind of file, even a broken one: it is left alone for a human to
 * look at). The bytes go to a private temporary file (mkstemp: O_CREAT |
 * O_EXCL, mode 0600) that is fsynced and then hard-linked to the final
 * name; link() never replaces an existing name, so two concurrent runs
 * cannot overwrite each other, and a crash leaves either no key file or a
 * whole one. *made is set to 1 when a new file was made. */
static xa_err
make_key(const char *dir, const char *name, int *made)
{
	xa_err err = XA_OK;
	char path[PATH_MAX], tmp[PATH_MAX], tmpname[64];
	uint8_t k[KEY_LEN];
	int fd = -1, have_tmp = 0;
	struct stat st;

	*made = 0;
	if ((err = join(path, sizeof path, dir, name)) != XA_OK)
		goto cleanup;
	if (lstat(path, &st) == 0)
		goto cleanup;
	if (errno != ENOENT) {
		err = XA_EIO;
		goto cleanup;
	}
	int n = snprintf(tmpname, sizeof tmpname, ".%s.XXXXXX", name);
	if (n < 0 || (size_t)n >= sizeof tmpname) {
		err = XA_ETOOBIG;
		goto cleanup;
	}
	if ((err = join(tmp, sizeof tmp, dir, tmpname)) != XA_OK)
		goto cleanup;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = XA_EIO;
		goto cleanup;
	}
	have_tmp = 1;
	/* mkostemp already makes the file 0600; fchmod says so explicitly
	 * and does not depend on that detail of the C library. */
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
		err = XA_EIO;
		goto cleanup;
	}
	if ((err = crypto_random(k, sizeof k)) != XA_OK)
		goto cleanup;
	if ((err = write_all(fd, k, sizeof k)) != XA_OK)
		goto cleanup;
	if (fsync(fd) != 0) {
		err = XA_EIO;
		goto cleanup;
	}
	if (link(tmp, path) == 0) {
		*made = 1;
	} else if (errno != EEXIST) {
		err = XA_EIO;
		goto cleanup;
	}
	/* EEXIST: another run made the key first; theirs stays. */

cleanup:
	explicit_bzero(k, sizeof k);
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlink(tmp);
	return err;
}

/* Creates DATA/keys (0700) and whichever of its two key files is missing.
 * Assumes data_dir exists (XA_ENOTFOUND otherwise: a mistyped folder must
 * not quietly grow a new key store). Existing files are never touched. */
xa_err
keys_create(const char *data_dir)
{
	xa_err err = XA_OK;
	char dir[PATH_MAX];
	int made_dir = 0, made_any = 0;
	struct stat st;

	if (data_dir == NULL || *data_dir == '\0')
		return XA_EINVAL;
	if (stat(data_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return XA_ENOTFOUND;
	if ((err = join(dir, sizeof dir, data_dir, "keys")) != XA_OK)
		goto cleanup;
	if (mkdir(dir, S_IRWXU) == 0) {
		made_dir = 1;
	} else if (errno != EEXIST) {
		log_error("keys: cannot create %s: %s", dir, strerror(errno));
		err = XA_EIO;
		goto cleanup;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_error("keys: %s is not a folder", dir);
		err = XA_EIO;
		goto cleanup;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		log_warn("keys: %s is open to group or others; chmod 700 it",
		    dir);
	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		int made = 0;
		if ((err = make_key(dir, key_names[i], &made)) != XA_OK) {
			log_error("keys: cannot create %s/%s: %s", dir,
			    key_names[i], xa_strerror(err));
			goto cleanup;
		}
		made_any |= made;
	}
	if (made_any && (err = sync_dir(dir)) != XA_OK)
		goto cleanup;
	if (made_dir)
		err = sync_dir(data_dir);

cleanup:
	return err;
}

/* Reads exactly 32 bytes from path into out. A file that group or others
 * may read still loads (refusing would stop the service over a mode bit)
 * but is reported with log_warn so the operator fixes it. */
static xa_err
read_key(const char *path, uint8_t out[KEY_LEN])
{
	xa_err err = XA_OK;
	uint8_t tmp[KEY_LEN + 1];
	size_t got = 0;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		err = errno == ENOENT ? XA_ENOTFOUND : XA_EIO;
		goto cleanup;
	}
	if (fstat(fd, &st) != 0) {
		err = XA_EIO;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != KEY_LEN) {
		err = XA_EINVAL;
		goto cleanup;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		log_warn("keys: %s may be read by group or others; chmod 600 it",
		    path);
	if (st.st_uid != geteuid())
		log_warn("keys: %s belongs to another user", path);
	/* Read one byte more than wanted, so a file that grew after fstat
	 * is caught rather than silently cut to 32 bytes. */
	while (got < sizeof tmp) {
		ssize_t r = read(fd, tmp + got, sizeof tmp - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = XA_EIO;
			goto cleanup;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != KEY_LEN) {
		err = XA_EINVAL;
		goto cleanup;
	}
	memcpy(out, tmp, KEY_LEN);

cleanup:
	explicit_bzero(tmp, sizeof tmp);
	if (fd >= 0)
		close(fd);
	return err;
}

/* Reads DATA/keys/audit.key and data.key into *out. *out is written only
 * when both load; the first failure is returned. */
xa_err
keys_load(const char *data_dir, keys *out)
{
	xa_err err = XA_OK;
	char dir[PATH_MAX], path[PATH_MAX];
	keys k;

	if (data_dir == NULL || *data_dir == '\0' || out == NULL)
		return XA_EINVAL;
	if ((err = join(dir, sizeof dir, data_dir, "keys")) != XA_OK)
		goto cleanup;
	if ((err = join(path, sizeof path, dir, key_names[0])) != XA_OK ||
	    (err = read_key(path, k.audit)) != XA_OK)
		goto cleanup;
	if ((err = join(path, sizeof path, dir, key_names[1])) != XA_OK ||
	    (err = read_key(path, k.data)) != XA_OK)
		goto cleanup;
	*out = k;

cleanup:
	explicit_bzero(&k, sizeof k);
	return err;
}

/* NULL until keys_set() was called with keys. */
const keys *
keys_get(void)
{
	return loaded_set ? &loaded : NULL;
}

/* Called once by main before any thread starts (no lock: later readers
 * only read). keys_set(NULL) wipes the copy, e.g. at exit. */
void
keys_set(const keys *k)
{
	if (k == NULL) {
		explicit_bzero(&loaded, sizeof loaded);
		loaded_set = 0;
		return;
	}
	loaded = *k;
	loaded_set = 1;
}
