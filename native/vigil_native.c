// Vigil's native byte path (docs/storage.md, "The byte path"; config recording.bytePath; issue 2's recording-cost
// goal), in two parts: the segment append path, here, and the ingest pipe reader, further down.
//
// Append: one call per fragment does, on a libuv threadpool thread, what src/storage/append-path.ts's JavaScript path does
// in four steps on the main thread: seal the fragment's bytes as AES-256-GCM records in the segment-crypto.ts format
// (or take them as they are, unencrypted), write them with pwritev at the file's end, fdatasync if asked, and only
// then add the plaintext to the file's SHA-256. Node spent more CPU around those calls (a cipher object per record,
// Buffer allocations, three promise round-trips, garbage collection) than in the work itself (bench/README.md,
// byte-path-floor); here the work is the same OpenSSL code Node uses (AES-NI, SHA-NI), with no allocation per
// record.
//
// What stays in JavaScript, unchanged: the crash-safety order (storage invariants 1-3: truncate a torn tail, trailer,
// fsync, rename, fsync the directory), which record index comes next, and every decision. A failed write reports
// errno's name (ENOSPC, EIO, ...) like Node's own errors, and leaves the hash untouched, so the caller's torn-tail
// handling is exactly the JavaScript path's. Both paths write byte-identical files (src/storage/append-path.test.ts).
//
// Built by src/storage/native-build.ts with the machine's C compiler against Node's own headers; OpenSSL's symbols
// resolve from the running node binary (which carries its OpenSSL, or links the system's).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <limits.h>
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK_BYTES (64 * 1024) // segment-crypto.ts CHUNK_BYTES: plaintext bytes per record at most
#define TAG_BYTES 16
#define RECORD_OVERHEAD (4 + TAG_BYTES)
#define KEY_BYTES 32
#define MAX_PARTS 4096

// ---- SHA-256 of a file's plaintext, owned by JavaScript (an external with a finalizer) ----

typedef struct {
  EVP_MD_CTX *md;
  int busy;     // an append job holds it: JavaScript may not touch it until the job completes
  int finished; // digest() was taken
} hash_state;

static void hash_finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  hash_state *h = data;
  EVP_MD_CTX_free(h->md);
  free(h);
}

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) return throw_last(env);                                                                     \
  } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "ERR_VIGIL_NATIVE", info && info->error_message ? info->error_message : "N-API call failed");
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static hash_state *hash_of(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

// sha256Create(): an opaque hash handle.
static napi_value sha256_create(napi_env env, napi_callback_info info) {
  (void)info;
  hash_state *h = calloc(1, sizeof *h);
  if (!h) return throw_type(env, "out of memory");
  h->md = EVP_MD_CTX_new();
  if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(h->md);
    free(h);
    napi_throw_error(env, "ERR_VIGIL_NATIVE", "SHA-256 is not available from OpenSSL");
    return NULL;
  }
  napi_value out;
  if (napi_create_external(env, h, hash_finalize, NULL, &out) != napi_ok) {
    hash_finalize(env, h, NULL);
    return throw_last(env);
  }
  return out;
}

static int bytes_of(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  void *p;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &p, &ab, &offset) != napi_ok || type != napi_uint8_array) return 0;
  *data = p; // already advanced by the view's byte offset
  return 1;
}

// sha256Update(hash, bytes): for bytes written outside an append job.
static napi_value sha256_update(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  hash_state *h = argc == 2 ? hash_of(env, argv[0]) : NULL;
  uint8_t *data;
  size_t n;
  if (!h || !bytes_of(env, argv[1], &data, &n)) return throw_type(env, "sha256Update(hash, Uint8Array)");
  if (h->busy || h->finished) return throw_type(env, h->busy ? "hash is in use by an append" : "hash already finished");
  EVP_DigestUpdate(h->md, data, n);
  return NULL;
}

// sha256Digest(hash): the 32-byte digest; the hash takes no more bytes afterwards.
static napi_value sha256_digest(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  hash_state *h = argc == 1 ? hash_of(env, argv[0]) : NULL;
  if (!h) return throw_type(env, "sha256Digest(hash)");
  if (h->busy || h->finished) return throw_type(env, h->busy ? "hash is in use by an append" : "hash already finished");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(h->md, md, &len);
  h->finished = 1;
  napi_value out;
  CHECK(napi_create_buffer_copy(env, len, md, NULL, &out));
  return out;
}

// ---- append(fd, at, parts, key, aadBase, firstIndex, hash, sync) -> Promise<{ fileBytes, lengths }> ----

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref parts_ref; // keeps the parts' memory alive while the job reads it
  int fd;
  int64_t at;
  size_t count;
  struct iovec *parts;
  int encrypt;
  unsigned char key[KEY_BYTES];
  unsigned char *aad; // aadBase · u64 BE index · u32 BE lenField
  size_t aad_base_bytes;
  uint64_t first_index;
  hash_state *hash;
  int sync;
  // results
  int err;             // errno of the failed call, 0 on success
  const char *syscall; // the call that failed
  int64_t file_bytes;
  uint32_t *lengths; // plaintext bytes of each record sealed
  size_t records;
} append_job;

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void put_u64(unsigned char *p, uint64_t v) {
  put_u32(p, (uint32_t)(v >> 32));
  put_u32(p + 4, (uint32_t)v);
}

// Writes all of `iov` at `at` (pwritev, IOV_MAX buffers per call, continuing after short writes). 0, or errno.
static int write_all(int fd, int64_t at, struct iovec *iov, size_t count) {
  while (count > 0) {
    int n = count > IOV_MAX ? IOV_MAX : (int)count;
    ssize_t w = pwritev(fd, iov, n, (off_t)at);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;
    at += w;
    size_t left = (size_t)w;
    while (count > 0 && left >= iov->iov_len) left -= iov->iov_len, iov++, count--;
    if (count > 0 && left > 0) iov->iov_base = (char *)iov->iov_base + left, iov->iov_len -= left;
  }
  return 0;
}

// Seals the parts as records from `first_index` into one buffer: 4-byte BE length field, ciphertext, 16-byte tag.
// The record index is the nonce (4 zero bytes · u64 BE) and AAD = aadBase · u64 BE index · u32 BE lenField, as
// segment-crypto.ts sealOne(). Pieces of a record may come from several parts (a fragment arrives in pipe chunks).
static int seal_all(append_job *job, unsigned char **out, size_t *out_bytes) {
  size_t total = 0;
  for (size_t i = 0; i < job->count; i++) total += job->parts[i].iov_len;
  size_t records = (total + CHUNK_BYTES - 1) / CHUNK_BYTES;
  job->lengths = calloc(records ? records : 1, sizeof *job->lengths);
  unsigned char *buf = malloc(total + records * RECORD_OVERHEAD + 1);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int ok = job->lengths && buf && ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, job->key, NULL) == 1;
  size_t part = 0, part_at = 0, o = 0;
  unsigned char *aad_tail = job->aad + job->aad_base_bytes;
  for (size_t r = 0; ok && r < records; r++) {
    uint32_t n = (uint32_t)(total - r * (size_t)CHUNK_BYTES < CHUNK_BYTES ? total - r * (size_t)CHUNK_BYTES : CHUNK_BYTES);
    uint64_t index = job->first_index + r;
    unsigned char nonce[12] = {0};
    put_u64(nonce + 4, index);
    put_u32(buf + o, n);
    put_u64(aad_tail, index);
    put_u32(aad_tail + 8, n);
    int outl = 0;
    ok = EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) == 1 &&
         EVP_EncryptUpdate(ctx, NULL, &outl, job->aad, (int)(job->aad_base_bytes + 12)) == 1;
    size_t done = 0;
    while (ok && done < n) {
      while (job->parts[part].iov_len - part_at == 0) part++, part_at = 0; // empty parts carry nothing
      size_t take = job->parts[part].iov_len - part_at;
      if (take > n - done) take = n - done;
      ok = EVP_EncryptUpdate(ctx, buf + o + 4 + done, &outl, (unsigned char *)job->parts[part].iov_base + part_at, (int)take) == 1;
      done += take;
      part_at += take;
    }
    ok = ok && EVP_EncryptFinal_ex(ctx, buf + o + 4 + n, &outl) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, buf + o + 4 + n) == 1;
    job->lengths[r] = n;
    o += 4 + n + TAG_BYTES;
  }
  EVP_CIPHER_CTX_free(ctx);
  OPENSSL_cleanse(job->key, sizeof job->key);
  if (!ok) {
    free(buf);
    return ENOMEM; // allocation, or OpenSSL refused (never expected with a 32-byte key): the write did not happen
  }
  job->records = records;
  *out = buf;
  *out_bytes = o;
  return 0;
}

static void append_execute(napi_env env, void *data) {
  (void)env;
  append_job *job = data;
  unsigned char *sealed = NULL;
  size_t sealed_bytes = 0;
  if (job->encrypt) {
    job->err = seal_all(job, &sealed, &sealed_bytes);
    if (job->err) {
      job->syscall = "seal";
      return;
    }
    struct iovec one = {sealed, sealed_bytes};
    job->err = sealed_bytes ? write_all(job->fd, job->at, &one, 1) : 0;
    job->file_bytes = (int64_t)sealed_bytes;
    free(sealed);
  } else {
    struct iovec *copy = malloc((job->count ? job->count : 1) * sizeof *copy); // write_all advances its iovecs
    if (!copy) {
      job->err = ENOMEM, job->syscall = "malloc";
      return;
    }
    memcpy(copy, job->parts, job->count * sizeof *copy);
    int64_t total = 0;
    for (size_t i = 0; i < job->count; i++) total += (int64_t)job->parts[i].iov_len;
    job->err = write_all(job->fd, job->at, copy, job->count);
    job->file_bytes = total;
    free(copy);
  }
  if (job->err) {
    job->syscall = "pwritev";
    return;
  }
  if (job->sync && fdatasync(job->fd) < 0) {
    job->err = errno, job->syscall = "fdatasync";
    return;
  }
  // Only bytes that are written (and synced, if asked) count in the file's hash: a failed append leaves it as it was.
  if (job->hash)
    for (size_t i = 0; i < job->count; i++) EVP_DigestUpdate(job->hash->md, job->parts[i].iov_base, job->parts[i].iov_len);
}

static const char *errno_name(int e) {
  switch (e) {
  case ENOSPC: return "ENOSPC";
  case EDQUOT: return "EDQUOT";
  case EIO: return "EIO";
  case EROFS: return "EROFS";
  case EFBIG: return "EFBIG";
  case EBADF: return "EBADF";
  case EINVAL: return "EINVAL";
  case ENOMEM: return "ENOMEM";
  case EPERM: return "EPERM";
  case EACCES: return "EACCES";
  case ESPIPE: return "ESPIPE";
  case EAGAIN: return "EAGAIN";
  default: return "EUNKNOWN";
  }
}

static void append_complete(napi_env env, napi_status status, void *data) {
  append_job *job = data;
  if (job->hash) job->hash->busy = 0;
  napi_value result = NULL;
  if (status != napi_ok && !job->err) job->err = ECANCELED, job->syscall = "append";
  if (job->err) {
    // Shaped like Node's own fs errors, so the recorder's fault handling (code ENOSPC, EIO, ...) is the same.
    char message[160];
    snprintf(message, sizeof message, "%s: %s, %s", errno_name(job->err), strerror(job->err), job->syscall);
    napi_value msg, code, err, errno_v, syscall;
    napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, errno_name(job->err), NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &err);
    napi_create_int32(env, -job->err, &errno_v);
    napi_set_named_property(env, err, "errno", errno_v);
    napi_set_named_property(env, err, "code", code);
    napi_create_string_utf8(env, job->syscall, NAPI_AUTO_LENGTH, &syscall);
    napi_set_named_property(env, err, "syscall", syscall);
    napi_reject_deferred(env, job->deferred, err);
  } else {
    napi_value file_bytes, lengths;
    napi_create_object(env, &result);
    napi_create_double(env, (double)job->file_bytes, &file_bytes);
    napi_create_array_with_length(env, job->records, &lengths);
    for (size_t r = 0; r < job->records; r++) {
      napi_value n;
      napi_create_uint32(env, job->lengths[r], &n);
      napi_set_element(env, lengths, (uint32_t)r, n);
    }
    napi_set_named_property(env, result, "fileBytes", file_bytes);
    napi_set_named_property(env, result, "lengths", lengths);
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_reference(env, job->parts_ref);
  napi_delete_async_work(env, job->work);
  free(job->parts);
  free(job->aad);
  free(job->lengths);
  free(job);
}

static void job_free(append_job *job) {
  if (!job) return;
  OPENSSL_cleanse(job->key, sizeof job->key);
  free(job->parts);
  free(job->aad);
  free(job);
}

static napi_value append(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) return throw_type(env, "append(fd, at, parts, key, aadBase, firstIndex, hash, sync)");
  append_job *job = calloc(1, sizeof *job);
  if (!job) return throw_type(env, "out of memory");
  int32_t fd;
  double at, first;
  bool is_array = false, sync = false;
  uint32_t count = 0;
  napi_valuetype kt, ht;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 || napi_get_value_double(env, argv[1], &at) != napi_ok ||
      at < 0 || at > 9007199254740991.0 || napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[2], &count) != napi_ok || count > MAX_PARTS ||
      napi_get_value_double(env, argv[5], &first) != napi_ok || first < 0 || first > 4294967295.0 ||
      napi_get_value_bool(env, argv[7], &sync) != napi_ok || napi_typeof(env, argv[3], &kt) != napi_ok ||
      napi_typeof(env, argv[6], &ht) != napi_ok) {
    job_free(job);
    return throw_type(env, "append(fd: int, at: number, parts: Uint8Array[] (<= 4096), key, aadBase, firstIndex: u32, hash, sync: boolean)");
  }
  job->fd = fd, job->at = (int64_t)at, job->first_index = (uint64_t)first, job->sync = sync, job->count = count;
  job->parts = calloc(count ? count : 1, sizeof *job->parts);
  if (!job->parts) {
    job_free(job);
    return throw_type(env, "out of memory");
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value p;
    uint8_t *data;
    size_t n;
    if (napi_get_element(env, argv[2], i, &p) != napi_ok || !bytes_of(env, p, &data, &n)) {
      job_free(job);
      return throw_type(env, "append: every part must be a Uint8Array");
    }
    job->parts[i].iov_base = data, job->parts[i].iov_len = n;
  }
  if (kt != napi_null) {
    uint8_t *key, *aad;
    size_t key_n, aad_n;
    if (!bytes_of(env, argv[3], &key, &key_n) || key_n != KEY_BYTES || !bytes_of(env, argv[4], &aad, &aad_n)) {
      job_free(job);
      return throw_type(env, "append: key must be 32 bytes and aadBase a Uint8Array (or both null)");
    }
    job->encrypt = 1;
    memcpy(job->key, key, KEY_BYTES);
    job->aad = malloc(aad_n + 12);
    if (!job->aad) {
      job_free(job);
      return throw_type(env, "out of memory");
    }
    memcpy(job->aad, aad, aad_n);
    job->aad_base_bytes = aad_n;
  }
  if (ht != napi_null) {
    job->hash = hash_of(env, argv[6]);
    if (!job->hash || job->hash->busy || job->hash->finished) {
      job_free(job);
      return throw_type(env, "append: hash must be an unfinished sha256Create() handle not in use");
    }
  }
  napi_value promise, name;
  if (napi_create_reference(env, argv[2], 1, &job->parts_ref) != napi_ok) {
    job_free(job);
    return throw_last(env);
  }
  napi_create_string_utf8(env, "vigil.append", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, append_execute, append_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_delete_reference(env, job->parts_ref);
    job_free(job);
    return throw_last(env);
  }
  if (job->hash) job->hash->busy = 1;
  return promise;
}

// ---- The ingest pipe reader: ffmpeg's stdout read on a native thread, handed to JavaScript a fragment at a time ----
//
// Node's pipe stream delivers ffmpeg's output as ~8 reads of <= 64 KiB per fragment per camera, each a Buffer, an
// event and a pass of the fMP4 parser, and those buffers drive V8's garbage collector (bench/README.md). This reader
// blocks in read() on its own thread (one per ffmpeg; it sleeps while the camera sends nothing) on a 256 KiB pipe,
// and hands JavaScript the bytes in chunks that end where a top-level `moov` or `mdat` box ends: one chunk for the
// init segment, one per fragment. It only batches: the chunks, joined, are exactly the bytes read, in order (so the
// JavaScript parser still sees and judges every byte, and a malformed stream fails there as before). A box header it
// cannot believe (size < 8, or > 256 MiB) switches it to passing every read on as it comes.

#include <fcntl.h>
#include <pthread.h>

#define READ_BYTES (1 << 20)
// Pipe capacity: half a typical 1080p fragment per read. Not more: an unprivileged user's pipes share
// /proc/sys/fs/pipe-user-pages-soft (64 MiB), and past it Linux gives every new pipe of that user a single page.
#define PIPE_BYTES (256 * 1024)
#define MAX_BOX_BYTES (256u << 20)
#define HOARD_BYTES (4u << 20) // complete boxes without a moov/mdat among them are handed on beyond this

typedef struct {
  unsigned char *data; // malloc'd, ownership passes to JavaScript (an external Buffer), or NULL for the end
  size_t length;
  int end_errno; // the end: 0 = EOF, else read()'s errno
} reader_item;

typedef struct {
  int fd;
  napi_threadsafe_function tsfn;
  int closing; // Node is tearing the function down (exiting): no further call, and no release, may be made
} reader_state;

static void free_block(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  free(data);
}

// On the JavaScript thread: callback(chunk, null) for bytes, callback(null, code | null) at the end.
static void reader_call_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  reader_item *item = data;
  if (env != NULL && callback != NULL) {
    napi_value argv[2], undefined;
    napi_get_undefined(env, &undefined);
    napi_get_null(env, &argv[0]);
    napi_get_null(env, &argv[1]);
    if (item->data) {
      if (napi_create_external_buffer(env, item->length, item->data, free_block, NULL, &argv[0]) == napi_ok) {
        item->data = NULL; // the Buffer owns it now
      } else if (napi_create_buffer_copy(env, item->length, item->data, NULL, &argv[0]) != napi_ok) {
        napi_get_null(env, &argv[0]);
      }
    } else if (item->end_errno) {
      napi_create_string_utf8(env, errno_name(item->end_errno), NAPI_AUTO_LENGTH, &argv[1]);
    }
    napi_call_function(env, undefined, callback, 2, argv, NULL);
  }
  free(item->data);
  free(item);
}

static int reader_send(reader_state *r, unsigned char *data, size_t length, int end_errno) {
  reader_item *item = malloc(sizeof *item);
  if (!item) {
    free(data);
    return 0;
  }
  item->data = data, item->length = length, item->end_errno = end_errno;
  if (napi_call_threadsafe_function(r->tsfn, item, napi_tsfn_blocking) != napi_ok) { // napi_closing: Node is exiting
    r->closing = 1;
    free(item->data);
    free(item);
    return 0;
  }
  return 1;
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void *reader_main(void *arg) {
  reader_state *r = arg;
  pthread_setname_np(pthread_self(), "vigil-reader"); // so top -H and /proc/<pid>/task show what it costs
  size_t cap = READ_BYTES, len = 0, scan = 0;
  unsigned char *buf = malloc(cap);
  int passthrough = 0, end_errno = 0, alive = buf != NULL;
  if (!buf) end_errno = ENOMEM;
  while (alive) {
    if (len == cap) { // a box larger than the buffer: grow to hold it (bounded by MAX_BOX_BYTES + READ_BYTES)
      unsigned char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        end_errno = ENOMEM;
        break;
      }
      buf = bigger, cap *= 2;
    }
    ssize_t n = read(r->fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      end_errno = n < 0 ? errno : 0;
      break;
    }
    len += (size_t)n;
    size_t cut = 0;
    while (!passthrough && len - scan >= 8) {
      uint64_t size = get_u32(buf + scan);
      if (size == 1) {
        if (len - scan < 16) break;
        size = (uint64_t)get_u32(buf + scan + 8) << 32 | get_u32(buf + scan + 12);
      }
      if (size < 8 || size > MAX_BOX_BYTES) {
        passthrough = 1; // not a box stream we can follow: every byte goes on as read, for the parser to judge
        break;
      }
      if (size > len - scan) break;
      const unsigned char *type = buf + scan + 4;
      scan += (size_t)size;
      if (memcmp(type, "mdat", 4) == 0 || memcmp(type, "moov", 4) == 0) cut = scan;
    }
    if (passthrough) cut = len;
    else if (cut == 0 && scan >= HOARD_BYTES) cut = scan;
    if (cut == 0) continue;
    // The chunk leaves in a block of its own size, copied out; the read buffer stays, with the start of the next box
    // moved to its front. Handing the read buffer itself over and taking a new 1 MiB one cost 3x the page faults
    // (fresh memory for every fragment; measured 12,200 vs 4,100 faults in 25 s at 8 cameras, most of this thread's
    // CPU). The blocks that remain faulted in are those V8 frees late (a chunk lives until its Buffer is collected).
    unsigned char *out = malloc(cut);
    if (!out) {
      end_errno = ENOMEM;
      break;
    }
    memcpy(out, buf, cut);
    memmove(buf, buf + cut, len - cut);
    len -= cut, scan = passthrough ? 0 : scan - cut;
    alive = reader_send(r, out, cut, 0);
  }
  if (alive && len > 0) { // what is left at the end (a cut-off box) goes on too: the parser reports it
    alive = reader_send(r, buf, len, 0);
    buf = NULL;
  }
  free(buf);
  if (alive) reader_send(r, NULL, 0, end_errno);
  close(r->fd);
  if (!r->closing) napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  free(r);
  return NULL;
}

// pipe(): [readFd, writeFd]. The read end stays blocking (its reader thread blocks in read()); both are close-on-exec
// (spawn dup2()s the write end onto the child's stdout, which clears it there).
static napi_value make_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) {
    napi_throw_error(env, errno_name(errno), strerror(errno));
    return NULL;
  }
  fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES); // may be refused (over the soft limit): the default 64 KiB still works
  napi_value out, a, b;
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_create_int32(env, fds[0], &a));
  CHECK(napi_create_int32(env, fds[1], &b));
  CHECK(napi_set_element(env, out, 0, a));
  CHECK(napi_set_element(env, out, 1, b));
  return out;
}

// readerStart(readFd, callback): reads readFd on a new thread until EOF, calling callback(chunk, null) for the bytes
// and callback(null, errnoCode | null) once at the end; the fd is then closed. It does not keep Node's loop alive.
static napi_value reader_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  napi_valuetype t;
  if (argc != 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 || napi_typeof(env, argv[1], &t) != napi_ok ||
      t != napi_function) {
    return throw_type(env, "readerStart(fd: int, callback: (chunk, endCode) => void)");
  }
  reader_state *r = calloc(1, sizeof *r);
  if (!r) return throw_type(env, "out of memory");
  r->fd = fd;
  napi_value name;
  napi_create_string_utf8(env, "vigil.pipeReader", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, reader_call_js, &r->tsfn) != napi_ok) {
    free(r);
    return throw_last(env);
  }
  napi_unref_threadsafe_function(env, r->tsfn);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  int e = pthread_create(&thread, &attr, reader_main, r);
  pthread_attr_destroy(&attr);
  if (e != 0) {
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    free(r);
    napi_throw_error(env, errno_name(e), strerror(e));
    return NULL;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"append", NULL, append, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Create", NULL, sha256_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Update", NULL, sha256_update, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Digest", NULL, sha256_digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pipe", NULL, make_pipe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readerStart", NULL, reader_start, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof *props, props);
  return exports;
}

NAPI_MODULE(vigil_native, init)
