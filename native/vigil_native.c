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

// ---- The ingest pipe reader: ffmpeg's stdout read on a native thread, one item at a time, and (armed) recorded ----
//
// Node's pipe stream delivers ffmpeg's output as ~8 reads of <= 64 KiB per fragment per camera, each a Buffer, an
// event and a pass of the fMP4 parser, and those buffers drive V8's garbage collector (bench/README.md). This reader
// blocks in read() on its own thread (one per ffmpeg; it sleeps while the camera sends nothing) on a 256 KiB pipe,
// and cuts what it reads into chunks that end where a top-level `moov` or `mdat` box ends: one chunk for the init
// segment, one per fragment. A box header it cannot believe (size < 8, or > 256 MiB) switches it to passing every
// read on as it comes. The chunks, joined, are exactly the bytes read, in order.
//
// Each chunk is numbered (seq, from 1) and either handed to JavaScript, whose parser judges it and whose recorder
// writes it (the path every byte took before), or, while the recorder has ARMED the reader, recorded here:
//
//   Armed (readerArm), the reader holds the open segment file of its stream (fd, end offset, data key, next record
//   index, the file's SHA-256) and the recorder's rules for the next fragment. A chunk that is exactly one fragment
//   the JavaScript parser would accept with the same values (scan_fragment mirrors media/fmp4/fragment.ts
//   parseFragment; native-recorder.test.ts holds them together on valid, random and mutated fragments), that
//   continues the segment's media time, and that the recorder would not start a new segment with, is appended to the
//   file right here: sealed, pwritev, fdatasync if asked, then hashed, the order of the append path above. JavaScript
//   gets the fragment's values and the bytes written, and keeps the index, the rows and every decision.
//   Anything else (an init, a fragment due to start the next segment, a timestamp jump, a fragment the scan does not
//   take, a write error) disarms the reader first, and goes to JavaScript as before. The recorder arms it again when
//   it has caught up (the seq it names must be the last one handed over, so a chunk still on its way to JavaScript
//   is never overtaken).
//
//   A recorded fragment's bytes go to JavaScript only while it asks for them (live viewers: readerLive). The reader
//   keeps the current GOP (the fragments since the last keyframe, capped as the live hub's cache) in one reused
//   buffer, so a first viewer gets it at once. With no viewer a recorded fragment costs JavaScript one small call and
//   no memory: no Buffer, no page faults, no garbage.
//
// Threads: the reader's state is under one mutex; an inline append holds it, so readerDisarm returns only when no
// append is in progress and none will start. The state is freed when both the thread and JavaScript's handle are
// done with it.

#include <fcntl.h>
#include <pthread.h>

#define READ_BYTES (1 << 20)
// Pipe capacity: half a typical 1080p fragment per read. Not more: an unprivileged user's pipes share
// /proc/sys/fs/pipe-user-pages-soft (64 MiB), and past it Linux gives every new pipe of that user a single page.
#define PIPE_BYTES (256 * 1024)
#define MAX_BOX_BYTES (256u << 20)
#define HOARD_BYTES (4u << 20)           // complete boxes without a moov/mdat among them are handed on beyond this
#define MAX_INLINE_BYTES (64u << 20)     // fmp4/stream.ts DEFAULT_MAX_BOX_SIZE: a larger item goes to its parser
#define GOP_CAP_BYTES (16u << 20)        // live-hub.ts gopCacheCapBytes default
#define GOP_MAX_FRAGMENTS 512
#define MAX_SAFE 9007199254740991.0

typedef struct {
  uint32_t sequence;
  uint64_t tfdt;
  uint64_t duration;
  uint64_t samples;
  int keyframe;
} frag_meta;

// What the recorder hands over at arm time: its open segment and its rules for the next fragment.
typedef struct {
  int fd;
  int64_t at; // file offset of the next byte (records' overhead included)
  int encrypt;
  unsigned char key[KEY_BYTES];
  unsigned char *aad; // aadBase · u64 BE index · u32 BE lenField
  size_t aad_base_bytes;
  uint64_t next_index;
  hash_state *hash;
  int sync;
  int64_t media_start, next_ticks, disc_ticks;
  double timescale, target_ms, max_ms;
} sink_t;

// The track a fragment is read for (from the init segment, via the recorder): kept past a disarm for the GOP cache.
typedef struct {
  int known;
  uint32_t track_id;
  int has_trex;
  uint32_t trex_duration, trex_size, trex_flags;
} track_t;

typedef struct {
  size_t off, len;
  uint64_t seq;
  frag_meta meta;
} gop_item;

typedef struct {
  int fd;
  napi_threadsafe_function tsfn;
  int closing; // Node is tearing the function down (exiting): no further call, and no release, may be made
  pthread_mutex_t lock;
  int refs; // the thread and JavaScript's handle
  // under lock:
  uint64_t posted;       // seq of the last chunk handed over (recorded or not)
  uint64_t last_written; // seq of the last chunk recorded here
  int ended;
  int armed;
  sink_t sink;
  track_t track;
  EVP_CIPHER_CTX *cipher;
  unsigned char *sealed; // the sealed records; while `direct`, DIRECT_BLOCK-aligned: [the file's partial last block][records]
  size_t sealed_cap;
  int direct;         // the armed segment's fd is in O_DIRECT mode (sink_direct): whole blocks from `sealed`
  size_t direct_tail; // bytes of the file's partial last block at the front of `sealed`
  int deliver; // JavaScript wants recorded fragments' bytes (live viewers)
  unsigned char *gop;
  size_t gop_len, gop_cap;
  gop_item items[GOP_MAX_FRAGMENTS];
  int gop_count;
  int gop_state; // 0 nothing to start from, 1 caching since a keyframe, 2 truncated (cap reached)
  napi_ref hash_ref; // keeps the armed hash's external alive; released on the JavaScript thread
  int release_hash;  // the reader disarmed itself: release hash_ref at the next JavaScript-thread chance
} reader_state;

enum { ITEM_CHUNK = 0, ITEM_WRITTEN = 1, ITEM_FAULT = 2, ITEM_END = 3 };

typedef struct {
  int kind;
  unsigned char *data; // malloc'd, ownership passes to JavaScript (an external Buffer), or NULL
  size_t length;       // bytes of the item (also when `data` stayed here)
  uint64_t seq;
  frag_meta meta;
  int64_t file_bytes;
  int direct; // ITEM_WRITTEN: written with O_DIRECT
  int err; // ITEM_FAULT: errno; ITEM_END: read()'s errno or 0
  const char *syscall;
  reader_state *r;
} reader_item;

// ---- scan_fragment: media/fmp4/fragment.ts parseFragment (scanMoof, scanTraf, scanTrun, sumTrun), in C ----
// Returns 1 with the fragment's values exactly when parseFragment(data, { trackId, trex }) returns them; 0 when it
// would throw, or for an input this scan does not take (then JavaScript parses it). Offsets are within `d`.

typedef struct {
  uint32_t type;
  size_t start, payload, end;
} box_t;

static void free_block(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  free(data);
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const unsigned char *p) {
  return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

// box.ts readBox: 0 when it would throw.
static int read_box(const unsigned char *d, size_t pos, size_t limit, box_t *b) {
  if (limit < pos || limit - pos < 8) return 0;
  uint64_t size = get_u32(d + pos);
  uint32_t type = get_u32(d + pos + 4);
  size_t header = 8;
  if (size == 1) {
    if (limit - pos < 16) return 0;
    if (get_u32(d + pos + 8) > 0x1fffff) return 0;
    size = get_u64(d + pos + 8);
    header = 16;
  } else if (size == 0) {
    size = limit - pos;
  }
  if (size < header || size > limit - pos) return 0;
  b->type = type, b->start = pos, b->payload = pos + header, b->end = pos + (size_t)size;
  return 1;
}

#define FOURCC(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define B_MOOF FOURCC('m', 'o', 'o', 'f')
#define B_MDAT FOURCC('m', 'd', 'a', 't')
#define B_MFHD FOURCC('m', 'f', 'h', 'd')
#define B_TRAF FOURCC('t', 'r', 'a', 'f')
#define B_TFHD FOURCC('t', 'f', 'h', 'd')
#define B_TFDT FOURCC('t', 'f', 'd', 't')
#define B_TRUN FOURCC('t', 'r', 'u', 'n')

static int is_prefix_box(uint32_t t) {
  return t == FOURCC('s', 't', 'y', 'p') || t == FOURCC('s', 'i', 'd', 'x') || t == FOURCC('p', 'r', 'f', 't') ||
         t == FOURCC('e', 'm', 's', 'g') || t == FOURCC('f', 'r', 'e', 'e') || t == FOURCC('s', 'k', 'i', 'p') ||
         t == FOURCC('m', 'f', 'r', 'a');
}

typedef struct {
  const unsigned char *d;
  const track_t *track;
  box_t moof, mdat;
  int traf_index;
  int64_t base; // -1 until the track's first traf
  uint64_t duration, samples;
  int have_first;
  uint32_t first_flags;
} scan_t;

// One trun (scanTrun + the per-trun part of parseFragment). 0 when parseFragment would throw.
static int scan_trun(scan_t *s, const box_t *b, int for_track, uint32_t def_dur, uint32_t def_size, uint32_t def_flags,
                     int moof_relative, uint64_t *data_pos) {
  const unsigned char *d = s->d;
  if (b->end - b->payload < 8) return 0; // version/flags and sample_count
  uint32_t flags = get_u32(d + b->payload) & 0xffffff;
  uint64_t n = get_u32(d + b->payload + 4);
  size_t pos = b->payload + 8;
  int has_offset = 0;
  int32_t offset = 0;
  int has_first = 0;
  uint32_t first = 0;
  if (flags & 0x1) {
    if (b->end - pos < 4) return 0;
    has_offset = 1, offset = (int32_t)get_u32(d + pos), pos += 4;
  }
  if (flags & 0x4) {
    if (b->end - pos < 4) return 0;
    has_first = 1, first = get_u32(d + pos), pos += 4;
  }
  int has_dur = (flags & 0x100) != 0, has_size = (flags & 0x200) != 0, has_flags = (flags & 0x400) != 0;
  size_t record = (has_dur ? 4 : 0) + (has_size ? 4 : 0) + (has_flags ? 4 : 0) + (flags & 0x800 ? 4 : 0);
  if (n * record > b->end - pos) return 0;
  if (!for_track) return 1;
  uint64_t dur = has_dur ? 0 : n * def_dur, size = has_size ? 0 : n * def_size;
  if (has_dur || has_size)
    for (uint64_t i = 0, p = pos; i < n; i++, p += record) {
      if (has_dur) dur += get_u32(d + p);
      if (has_size) size += get_u32(d + p + (has_dur ? 4 : 0));
    }
  if (!s->have_first && n > 0) {
    s->have_first = 1;
    if (has_first) s->first_flags = first;
    else if (has_flags) s->first_flags = get_u32(d + pos + (has_dur ? 4 : 0) + (has_size ? 4 : 0));
    else s->first_flags = def_flags;
  }
  if ((double)dur > MAX_SAFE) return 0; // parseFragment: the duration must be a safe integer (and the sum cannot wrap)
  if (moof_relative) {
    if (has_offset) *data_pos = (uint64_t)((int64_t)s->moof.start + offset);
    int64_t at = (int64_t)*data_pos;
    if (n > 0 && (at < (int64_t)s->mdat.payload || (uint64_t)at + size > s->mdat.end || size > s->mdat.end)) return 0;
    *data_pos += size;
  }
  s->duration += dur;
  s->samples += n;
  return (double)s->duration <= MAX_SAFE;
}

// One traf (scanTraf + the per-traf part of parseFragment).
static int scan_traf(scan_t *s, const box_t *traf) {
  const unsigned char *d = s->d;
  box_t c, tfhd = {0}, tfdt = {0};
  int have_tfhd = 0, have_tfdt = 0;
  s->traf_index++;
  // scanTraf reads every child first (the last tfhd and tfdt count), and checks every trun of every traf.
  for (size_t pos = traf->payload; traf->end - pos >= 8; pos = c.end) {
    if (!read_box(d, pos, traf->end, &c)) return 0;
    if (c.type == B_TFHD) tfhd = c, have_tfhd = 1;
    else if (c.type == B_TFDT) tfdt = c, have_tfdt = 1;
  }
  if (!have_tfhd) return 0;
  if (tfhd.end - tfhd.payload < 4) return 0;
  uint32_t flags = get_u32(d + tfhd.payload) & 0xffffff;
  if (tfhd.end - tfhd.payload < 8) return 0;
  uint32_t track_id = get_u32(d + tfhd.payload + 4);
  size_t pos = tfhd.payload + 8;
  uint32_t def[3] = {0}; // duration, size, flags
  int has_def[3] = {0};
  if (flags & 0x1) {
    if (tfhd.end - pos < 8) return 0;
    pos += 8;
  }
  if (flags & 0x2) {
    if (tfhd.end - pos < 4) return 0;
    pos += 4;
  }
  static const uint32_t bits[3] = {0x8, 0x10, 0x20};
  for (int k = 0; k < 3; k++)
    if (flags & bits[k]) {
      if (tfhd.end - pos < 4) return 0;
      def[k] = get_u32(d + pos), has_def[k] = 1, pos += 4;
    }
  uint64_t tfdt_value = 0;
  if (have_tfdt) {
    if (tfdt.end - tfdt.payload < 4) return 0;
    int version = d[tfdt.payload];
    size_t bytes = version == 1 ? 8 : 4;
    if (tfdt.end - (tfdt.payload + 4) < bytes) return 0;
    if (version == 1) {
      if (get_u32(d + tfdt.payload + 4) > 0x1fffff) return 0;
      tfdt_value = get_u64(d + tfdt.payload + 4);
    } else {
      tfdt_value = get_u32(d + tfdt.payload + 4);
    }
  }
  int for_track = track_id == s->track->track_id;
  const track_t *t = s->track;
  uint32_t def_dur = has_def[0] ? def[0] : t->has_trex ? t->trex_duration : 0;
  uint32_t def_size = has_def[1] ? def[1] : t->has_trex ? t->trex_size : 0;
  uint32_t def_flags = has_def[2] ? def[2] : t->has_trex ? t->trex_flags : 0;
  int moof_relative = !(flags & 0x1) && ((flags & 0x020000) || s->traf_index == 0);
  uint64_t data_pos = s->moof.start;
  // scanMoof checks every traf's truns before parseFragment reads any; a failure anywhere fails the whole.
  for (size_t p = traf->payload; traf->end - p >= 8; p = c.end) {
    read_box(d, p, traf->end, &c); // succeeded above
    if (c.type == B_TRUN && !scan_trun(s, &c, 0, 0, 0, 0, 0, NULL)) return 0;
  }
  if (!for_track) return 1;
  if (!have_tfdt) return 0;
  if (s->base < 0) s->base = (int64_t)tfdt_value;
  for (size_t p = traf->payload; traf->end - p >= 8; p = c.end) {
    read_box(d, p, traf->end, &c);
    if (c.type == B_TRUN && !scan_trun(s, &c, 1, def_dur, def_size, def_flags, moof_relative, &data_pos)) return 0;
  }
  return 1;
}

static int is_sync_flags(uint32_t flags) {
  return ((flags >> 24) & 3) == 2 || ((flags >> 16) & 1) == 0;
}

static int scan_fragment(const unsigned char *d, size_t length, const track_t *track, frag_meta *m) {
  scan_t s = {.d = d, .track = track, .traf_index = -1, .base = -1};
  box_t b;
  size_t pos = 0;
  int have_moof = 0;
  while (pos < length) {
    if (!read_box(d, pos, length, &b)) return 0;
    pos = b.end;
    if (b.type == B_MOOF) {
      s.moof = b, have_moof = 1;
      break;
    }
    if (!is_prefix_box(b.type)) return 0;
  }
  if (!have_moof || pos >= length || !read_box(d, pos, length, &s.mdat) || s.mdat.type != B_MDAT) return 0;
  // The moof's children: the last mfhd counts; every traf is scanned (scanMoof) in order.
  box_t c, mfhd = {0};
  int have_mfhd = 0;
  for (size_t p = s.moof.payload; s.moof.end - p >= 8; p = c.end) {
    if (!read_box(d, p, s.moof.end, &c)) return 0;
    if (c.type == B_MFHD) mfhd = c, have_mfhd = 1;
  }
  // scanMoof reads every traf (scanTraf) before checking the mfhd, and parseFragment sums afterwards: the C order
  // differs, but every check is made and any failure fails the whole, so the outcome is the same.
  for (size_t p = s.moof.payload; s.moof.end - p >= 8; p = c.end) {
    read_box(d, p, s.moof.end, &c);
    if (c.type == B_TRAF && !scan_traf(&s, &c)) return 0;
  }
  if (!have_mfhd || mfhd.end - mfhd.payload < 8) return 0;
  if (s.base < 0) return 0; // no traf for the track
  if ((double)s.duration > MAX_SAFE) return 0;
  m->sequence = get_u32(d + mfhd.payload + 4);
  m->tfdt = (uint64_t)s.base;
  m->duration = s.duration;
  m->samples = s.samples;
  m->keyframe = s.have_first && is_sync_flags(s.first_flags);
  return 1;
}

// ---- inline append: the append path's work, on the reader thread, into the armed segment ----

// O_DIRECT (docs/storage.md "Direct writes"): an armed segment is written around the page cache, from the reader's
// own reused buffer, as whole DIRECT_BLOCK blocks: each append rewrites the file's partial last block (kept at the
// front of `sealed`) followed by its records, zero-padded to a block. The page cache never holds the recording (a
// recorder writes each byte once and reads it rarely), which spares the copy into it, its writeback and, on a VM, the
// first touch of guest memory (bench/README.md). While armed, the file ends with up to a block of zero padding past
// s->at: a crash leaves it to reconciliation as a torn tail; the recorder cuts it before a segment is committed.
#define DIRECT_BLOCK 4096

// Grows `sealed` to hold `need` bytes after the partial block, aligned; keeps the partial block's bytes. 0 or ENOMEM.
static int direct_reserve(reader_state *r, size_t need) {
  size_t want = DIRECT_BLOCK + need + DIRECT_BLOCK;
  if (want <= r->sealed_cap) return 0;
  void *bigger = NULL;
  if (posix_memalign(&bigger, DIRECT_BLOCK, want) != 0) return ENOMEM;
  if (r->direct_tail) memcpy(bigger, r->sealed, r->direct_tail);
  free(r->sealed);
  r->sealed = bigger, r->sealed_cap = want;
  return 0;
}

// At arm: puts the segment's fd in O_DIRECT mode, with the bytes of its partial last block read first (through the
// page cache, where the recorder has just written them). Stays buffered, as before, where the file system has no
// O_DIRECT (EINVAL) or anything fails. Under the lock, on the JavaScript thread.
static void sink_direct(reader_state *r) {
  sink_t *s = &r->sink;
  size_t tail = (size_t)(s->at % DIRECT_BLOCK);
  r->direct_tail = 0;
  if (s->at < 0 || direct_reserve(r, READ_BYTES) != 0) return;
  if (tail && pread(s->fd, r->sealed, tail, s->at - (int64_t)tail) != (ssize_t)tail) return;
  int flags = fcntl(s->fd, F_GETFL);
  if (flags < 0 || fcntl(s->fd, F_SETFL, flags | O_DIRECT) < 0) return;
  r->direct = 1, r->direct_tail = tail;
}

// At disarm: the fd is the recorder's again, buffered. The padding past s->at stays until the recorder overwrites or
// cuts it (segment-writer.ts commit: a committed file ends where its records end).
static void sink_undirect(reader_state *r) {
  if (!r->direct) return;
  int flags = fcntl(r->sink.fd, F_GETFL);
  if (flags >= 0) fcntl(r->sink.fd, F_SETFL, flags & ~O_DIRECT);
  r->direct = 0, r->direct_tail = 0;
}

static void sink_clear(reader_state *r) {
  sink_t *s = &r->sink;
  sink_undirect(r);
  OPENSSL_cleanse(s->key, sizeof s->key);
  free(s->aad);
  s->aad = NULL;
  if (s->hash) s->hash->busy = 0;
  s->hash = NULL;
  r->armed = 0;
}

// Seals `n` bytes as records from s->next_index (segment-crypto.ts sealOne: the same bytes as seal_all), writes them
// at s->at, fdatasyncs if asked, then hashes the plaintext. 0 or errno (*syscall names the call); the sink moves on
// only after a whole success.
static int sink_append(reader_state *r, const unsigned char *data, size_t n, int64_t *file_bytes, const char **syscall) {
  sink_t *s = &r->sink;
  size_t records = 0, o = 0;
  int err = 0;
  size_t records_bytes = s->encrypt ? n + ((n + CHUNK_BYTES - 1) / CHUNK_BYTES) * RECORD_OVERHEAD : n;
  if (r->direct && direct_reserve(r, records_bytes) != 0) return *syscall = "malloc", ENOMEM;
  // Direct: the records go after the file's partial last block, so block and records leave in one aligned write.
  size_t front = r->direct ? r->direct_tail : 0;
  if (s->encrypt) {
    records = (n + CHUNK_BYTES - 1) / CHUNK_BYTES;
    if (!r->direct && records_bytes > r->sealed_cap) {
      unsigned char *bigger = realloc(r->sealed, records_bytes);
      if (!bigger) return *syscall = "malloc", ENOMEM;
      r->sealed = bigger, r->sealed_cap = records_bytes;
    }
    unsigned char *out = r->sealed + front;
    unsigned char *tail = s->aad + s->aad_base_bytes;
    int ok = 1;
    for (size_t k = 0; ok && k < records; k++) {
      uint32_t len = (uint32_t)(n - k * (size_t)CHUNK_BYTES < CHUNK_BYTES ? n - k * (size_t)CHUNK_BYTES : CHUNK_BYTES);
      uint64_t index = s->next_index + k;
      unsigned char nonce[12] = {0};
      put_u64(nonce + 4, index);
      put_u32(out + o, len);
      put_u64(tail, index);
      put_u32(tail + 8, len);
      int outl = 0;
      ok = EVP_EncryptInit_ex(r->cipher, NULL, NULL, NULL, nonce) == 1 &&
           EVP_EncryptUpdate(r->cipher, NULL, &outl, s->aad, (int)(s->aad_base_bytes + 12)) == 1 &&
           EVP_EncryptUpdate(r->cipher, out + o + 4, &outl, data + k * (size_t)CHUNK_BYTES, (int)len) == 1 &&
           EVP_EncryptFinal_ex(r->cipher, out + o + 4 + len, &outl) == 1 &&
           EVP_CIPHER_CTX_ctrl(r->cipher, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + o + 4 + len) == 1;
      o += 4 + len + TAG_BYTES;
    }
    if (!ok) return *syscall = "seal", ENOMEM;
  } else {
    o = n;
    if (r->direct) memcpy(r->sealed + front, data, n);
  }
  if (r->direct) {
    size_t total = front + o, blocks = (total + DIRECT_BLOCK - 1) / DIRECT_BLOCK * DIRECT_BLOCK;
    memset(r->sealed + total, 0, blocks - total); // the padding is zeros: a torn tail to reconciliation
    struct iovec whole = {r->sealed, blocks};
    err = o ? write_all(s->fd, s->at - (int64_t)front, &whole, 1) : 0;
  } else if (s->encrypt) {
    struct iovec one = {r->sealed, o};
    err = o ? write_all(s->fd, s->at, &one, 1) : 0;
  } else {
    struct iovec one = {(void *)data, n};
    err = n ? write_all(s->fd, s->at, &one, 1) : 0;
  }
  if (err) return *syscall = "pwritev", err;
  if (s->sync && fdatasync(s->fd) < 0) return *syscall = "fdatasync", errno;
  EVP_DigestUpdate(s->hash->md, data, n);
  s->at += (int64_t)o;
  s->next_index += records;
  *file_bytes = (int64_t)o;
  if (r->direct) { // the new partial last block moves to the front for the next append
    size_t total = front + o, keep = (size_t)(s->at % DIRECT_BLOCK);
    memmove(r->sealed, r->sealed + (total - keep), keep);
    r->direct_tail = keep;
  }
  return 0;
}

// stream-recorder.ts writeFragment's rules, for an open segment: 1 when the fragment continues it.
static int continues_segment(const sink_t *s, const frag_meta *m) {
  int64_t t = (int64_t)m->tfdt;
  int64_t jump = t - s->next_ticks;
  if (jump > s->disc_ticks || -jump > s->disc_ticks) return 0; // a timestamp jump: the recorder ends the run
  double duration_ms = ((double)(t - s->media_start) * 1000) / s->timescale;
  int due = (duration_ms >= s->target_ms && m->keyframe) || duration_ms >= s->max_ms;
  return !due;
}

// The GOP cache: every fragment the scan reads, from a keyframe on, up to the cap (live-hub.ts #cache's rule).
static void gop_add(reader_state *r, const unsigned char *data, size_t n, uint64_t seq, const frag_meta *m) {
  if (m->keyframe) r->gop_len = 0, r->gop_count = 0, r->gop_state = 1;
  else if (r->gop_state != 1) return;
  if (r->gop_len + n > GOP_CAP_BYTES || r->gop_count == GOP_MAX_FRAGMENTS) {
    r->gop_state = 2;
    return;
  }
  if (r->gop_len + n > r->gop_cap) {
    size_t cap = r->gop_cap ? r->gop_cap : 1 << 20;
    while (cap < r->gop_len + n) cap *= 2;
    unsigned char *bigger = realloc(r->gop, cap);
    if (!bigger) {
      r->gop_state = 0;
      return;
    }
    r->gop = bigger, r->gop_cap = cap;
  }
  memcpy(r->gop + r->gop_len, data, n);
  r->items[r->gop_count++] = (gop_item){r->gop_len, n, seq, *m};
  r->gop_len += n;
}

static void reader_unref(reader_state *r) {
  pthread_mutex_lock(&r->lock);
  int left = --r->refs;
  pthread_mutex_unlock(&r->lock);
  if (left > 0) return;
  sink_clear(r);
  EVP_CIPHER_CTX_free(r->cipher);
  free(r->sealed);
  free(r->gop);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

static void set_number(napi_env env, napi_value obj, const char *name, double v) {
  napi_value x;
  napi_create_double(env, v, &x);
  napi_set_named_property(env, obj, name, x);
}

static void set_meta(napi_env env, napi_value obj, const frag_meta *m) {
  napi_value k;
  set_number(env, obj, "sequence", m->sequence);
  set_number(env, obj, "baseMediaDecodeTime", (double)m->tfdt);
  set_number(env, obj, "durationTicks", (double)m->duration);
  set_number(env, obj, "sampleCount", (double)m->samples);
  napi_get_boolean(env, m->keyframe, &k);
  napi_set_named_property(env, obj, "keyframe", k);
}

static void release_hash_ref(napi_env env, reader_state *r) {
  pthread_mutex_lock(&r->lock);
  napi_ref ref = NULL;
  if (r->hash_ref && (r->release_hash || !r->armed)) ref = r->hash_ref, r->hash_ref = NULL, r->release_hash = 0;
  pthread_mutex_unlock(&r->lock);
  if (ref) napi_delete_reference(env, ref);
}

// On the JavaScript thread: callback(chunk | null, endCode | null, info | null).
//   chunk (not recorded): callback(bytes, null, { seq, status: 'chunk' })
//   recorded here:        callback(bytes | null, null, { seq, status: 'written', size, fileBytes, direct, ...values })
//   append failed:        callback(bytes, null, { seq, status: 'fault', size, code, syscall, message, ...values })
//   the end:              callback(null, errnoCode | null, null)
static void reader_call_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  reader_item *item = data;
  if (env != NULL && callback != NULL) {
    release_hash_ref(env, item->r);
    napi_value argv[3], undefined;
    napi_get_undefined(env, &undefined);
    napi_get_null(env, &argv[0]);
    napi_get_null(env, &argv[1]);
    napi_get_null(env, &argv[2]);
    if (item->data) {
      if (napi_create_external_buffer(env, item->length, item->data, free_block, NULL, &argv[0]) == napi_ok) {
        item->data = NULL; // the Buffer owns it now
      } else if (napi_create_buffer_copy(env, item->length, item->data, NULL, &argv[0]) != napi_ok) {
        napi_get_null(env, &argv[0]);
      }
    }
    if (item->kind == ITEM_END) {
      if (item->err) napi_create_string_utf8(env, errno_name(item->err), NAPI_AUTO_LENGTH, &argv[1]);
    } else {
      napi_value info, status;
      napi_create_object(env, &info);
      set_number(env, info, "seq", (double)item->seq);
      const char *names[] = {"chunk", "written", "fault"};
      napi_create_string_utf8(env, names[item->kind], NAPI_AUTO_LENGTH, &status);
      napi_set_named_property(env, info, "status", status);
      if (item->kind != ITEM_CHUNK) {
        set_number(env, info, "size", (double)item->length);
        set_meta(env, info, &item->meta);
      }
      if (item->kind == ITEM_WRITTEN) {
        napi_value direct;
        set_number(env, info, "fileBytes", (double)item->file_bytes);
        napi_get_boolean(env, item->direct, &direct);
        napi_set_named_property(env, info, "direct", direct);
      }
      if (item->kind == ITEM_FAULT) {
        char message[160];
        snprintf(message, sizeof message, "%s: %s, %s", errno_name(item->err), strerror(item->err), item->syscall);
        napi_value code, syscall, msg;
        napi_create_string_utf8(env, errno_name(item->err), NAPI_AUTO_LENGTH, &code);
        napi_create_string_utf8(env, item->syscall, NAPI_AUTO_LENGTH, &syscall);
        napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
        napi_set_named_property(env, info, "code", code);
        napi_set_named_property(env, info, "syscall", syscall);
        napi_set_named_property(env, info, "message", msg);
      }
      argv[2] = info;
    }
    napi_call_function(env, undefined, callback, 3, argv, NULL);
  }
  free(item->data);
  free(item);
}

static int reader_post(reader_state *r, reader_item *item) {
  if (r->closing || napi_call_threadsafe_function(r->tsfn, item, napi_tsfn_blocking) != napi_ok) { // napi_closing: Node is exiting
    r->closing = 1;
    free(item->data);
    free(item);
    return 0;
  }
  return 1;
}

// One chunk: recorded here if armed and it qualifies, else handed over; `data` stays the caller's.
// `clean`: the chunk starts where an item starts; `item_end`: it ends where a moov or mdat ends.
static int reader_chunk(reader_state *r, const unsigned char *data, size_t n, int clean, int item_end, int is_init) {
  reader_item *item = calloc(1, sizeof *item);
  if (!item) return 0;
  item->r = r, item->length = n, item->kind = ITEM_CHUNK;
  pthread_mutex_lock(&r->lock);
  item->seq = ++r->posted;
  int fragment = clean && item_end && !is_init && n <= MAX_INLINE_BYTES && r->track.known &&
                 scan_fragment(data, n, &r->track, &item->meta);
  if (r->armed) {
    if (fragment && continues_segment(&r->sink, &item->meta)) {
      int err = sink_append(r, data, n, &item->file_bytes, &item->syscall);
      if (!err) {
        item->kind = ITEM_WRITTEN;
        item->direct = r->direct; // set at arm, for every append until the disarm
        r->last_written = item->seq;
        r->sink.next_ticks = (int64_t)(item->meta.tfdt + item->meta.duration);
      } else {
        item->kind = ITEM_FAULT, item->err = err;
      }
    }
    if (item->kind != ITEM_WRITTEN) sink_clear(r), r->release_hash = 1;
  }
  if (is_init) r->track.known = 0; // a new init may bring another track or defaults: known again at the next arm
  if (fragment) gop_add(r, data, n, item->seq, &item->meta);
  else r->gop_state = 0, r->gop_count = 0, r->gop_len = 0; // not a fragment the scan reads: nothing to start from
  int copy = item->kind != ITEM_WRITTEN || r->deliver;
  pthread_mutex_unlock(&r->lock);
  if (copy) {
    item->data = malloc(n ? n : 1);
    if (!item->data) {
      free(item);
      return 0;
    }
    memcpy(item->data, data, n);
  }
  return reader_post(r, item);
}

static void *reader_main(void *arg) {
  reader_state *r = arg;
  pthread_setname_np(pthread_self(), "vigil-reader"); // so top -H and /proc/<pid>/task show what it costs
  size_t cap = READ_BYTES, len = 0, scan = 0;
  unsigned char *buf = malloc(cap);
  int passthrough = 0, end_errno = 0, alive = buf != NULL, clean = 1;
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
    // Every whole item in the buffer leaves as its own chunk; the rest waits for the next read. The read buffer
    // stays (chunks are copied out, when they leave at all), with the start of the next box moved to its front.
    while (alive && len > 0) {
      size_t cut = 0;
      int is_init = 0;
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
        if (memcmp(type, "mdat", 4) == 0 || memcmp(type, "moov", 4) == 0) {
          cut = scan, is_init = type[1] == 'o';
          break;
        }
      }
      int item_end = cut != 0 && !passthrough;
      if (passthrough) cut = len;
      else if (cut == 0 && scan >= HOARD_BYTES) cut = scan;
      if (cut == 0) break;
      alive = reader_chunk(r, buf, cut, clean, item_end, is_init);
      clean = item_end;
      memmove(buf, buf + cut, len - cut);
      len -= cut, scan = passthrough ? 0 : scan - cut;
    }
  }
  if (alive && len > 0) alive = reader_chunk(r, buf, len, 0, 0, 0); // a cut-off box goes on too: the parser reports it
  free(buf);
  reader_item *end = calloc(1, sizeof *end);
  pthread_mutex_lock(&r->lock);
  r->ended = 1;
  if (r->armed) sink_clear(r), r->release_hash = 1;
  pthread_mutex_unlock(&r->lock);
  if (alive && end) {
    end->kind = ITEM_END, end->err = end_errno, end->r = r;
    reader_post(r, end);
  } else {
    free(end);
  }
  close(r->fd);
  if (!r->closing) napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  reader_unref(r);
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

static void reader_handle_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  reader_state *r = data;
  pthread_mutex_lock(&r->lock);
  napi_ref ref = r->hash_ref;
  r->hash_ref = NULL;
  if (r->armed) sink_clear(r);
  pthread_mutex_unlock(&r->lock);
  if (ref) napi_delete_reference(env, ref);
  reader_unref(r);
}

// readerStart(readFd, callback) -> handle: reads readFd on a new thread until EOF, calling callback as
// reader_call_js says; the fd is then closed. It does not keep Node's loop alive.
static napi_value reader_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  napi_valuetype t;
  if (argc != 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 || napi_typeof(env, argv[1], &t) != napi_ok ||
      t != napi_function) {
    return throw_type(env, "readerStart(fd: int, callback: (chunk, endCode, info) => void)");
  }
  reader_state *r = calloc(1, sizeof *r);
  if (!r) return throw_type(env, "out of memory");
  r->fd = fd, r->refs = 2;
  pthread_mutex_init(&r->lock, NULL);
  r->cipher = EVP_CIPHER_CTX_new();
  napi_value name, handle;
  napi_create_string_utf8(env, "vigil.pipeReader", NAPI_AUTO_LENGTH, &name);
  if (!r->cipher || napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, reader_call_js, &r->tsfn) != napi_ok) {
    EVP_CIPHER_CTX_free(r->cipher);
    pthread_mutex_destroy(&r->lock);
    free(r);
    return throw_last(env);
  }
  napi_unref_threadsafe_function(env, r->tsfn);
  if (napi_create_external(env, r, reader_handle_finalize, NULL, &handle) != napi_ok) {
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    EVP_CIPHER_CTX_free(r->cipher);
    pthread_mutex_destroy(&r->lock);
    free(r);
    return throw_last(env);
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  int e = pthread_create(&thread, &attr, reader_main, r);
  pthread_attr_destroy(&attr);
  if (e != 0) {
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    r->refs = 1; // only the handle's: its finalizer frees the state
    close(fd);
    napi_throw_error(env, errno_name(e), strerror(e));
    return NULL;
  }
  return handle;
}

static reader_state *reader_of(napi_env env, napi_value v) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static int get_number(napi_env env, napi_value obj, const char *name, double *out) {
  napi_value v;
  return napi_get_named_property(env, obj, name, &v) == napi_ok && napi_get_value_double(env, v, out) == napi_ok;
}

static int get_value(napi_env env, napi_value obj, const char *name, napi_value *out, napi_valuetype *type) {
  return napi_get_named_property(env, obj, name, out) == napi_ok && napi_typeof(env, *out, type) == napi_ok;
}

// [duration, size, flags] (the init segment's trex defaults) into `t`; 0 if it is not that.
static int read_trex(napi_env env, napi_value v, track_t *t) {
  double x[3];
  for (uint32_t i = 0; i < 3; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok || napi_get_value_double(env, e, &x[i]) != napi_ok || x[i] < 0 ||
        x[i] > 4294967295.0)
      return 0;
  }
  t->has_trex = 1, t->trex_duration = (uint32_t)x[0], t->trex_size = (uint32_t)x[1], t->trex_flags = (uint32_t)x[2];
  return 1;
}

#define ARM_USAGE                                                                                                      \
  "readerArm(reader, { afterSeq, fd, at, key, aadBase, firstIndex, hash, sync, trackId, trex: [duration, size, "      \
  "flags] | null, timescale, mediaStart, nextTicks, discontinuityTicks, targetMs, maxMs, direct? })"

// readerArm(reader, params) -> boolean: the reader records the fragments that follow chunk `afterSeq`, if that was the
// last one it handed over and it still reads; false otherwise (the caller goes on writing them itself).
static napi_value reader_arm(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  reader_state *r = argc == 2 ? reader_of(env, argv[0]) : NULL;
  napi_valuetype ot;
  if (!r || napi_typeof(env, argv[1], &ot) != napi_ok || ot != napi_object) return throw_type(env, ARM_USAGE);
  napi_value o = argv[1], key_v, aad_v, hash_v, trex_v, sync_v, direct_v;
  napi_valuetype kt, at, ht, tt, st, dt;
  double after, fd, off, first, track, timescale, media_start, next_ticks, disc, target, max;
  bool sync = false, direct = false;
  if (get_value(env, o, "direct", &direct_v, &dt) && dt == napi_boolean) napi_get_value_bool(env, direct_v, &direct);
  if (!get_number(env, o, "afterSeq", &after) || !get_number(env, o, "fd", &fd) || !get_number(env, o, "at", &off) ||
      !get_number(env, o, "firstIndex", &first) || !get_number(env, o, "trackId", &track) ||
      !get_number(env, o, "timescale", &timescale) || !get_number(env, o, "mediaStart", &media_start) ||
      !get_number(env, o, "nextTicks", &next_ticks) || !get_number(env, o, "discontinuityTicks", &disc) ||
      !get_number(env, o, "targetMs", &target) || !get_number(env, o, "maxMs", &max) ||
      !get_value(env, o, "key", &key_v, &kt) || !get_value(env, o, "aadBase", &aad_v, &at) ||
      !get_value(env, o, "hash", &hash_v, &ht) || !get_value(env, o, "trex", &trex_v, &tt) ||
      !get_value(env, o, "sync", &sync_v, &st) || st != napi_boolean || napi_get_value_bool(env, sync_v, &sync) != napi_ok ||
      fd < 0 || fd > INT_MAX || off < 0 || off > MAX_SAFE || first < 0 || first > 4294967295.0 || track < 0 ||
      track > 4294967295.0 || !(timescale > 0) || media_start < 0 || media_start > MAX_SAFE || next_ticks < 0 ||
      next_ticks > MAX_SAFE || disc < 0 || disc > MAX_SAFE) {
    return throw_type(env, ARM_USAGE);
  }
  hash_state *h = ht == napi_external ? hash_of(env, hash_v) : NULL;
  if (!h || h->finished) return throw_type(env, "readerArm: hash must be an unfinished sha256Create() handle");
  track_t tr = {.known = 1, .track_id = (uint32_t)track};
  if (tt != napi_null && !read_trex(env, trex_v, &tr)) return throw_type(env, ARM_USAGE);
  unsigned char *key = NULL, *aad = NULL;
  size_t key_n = 0, aad_n = 0;
  if (kt != napi_null && (!bytes_of(env, key_v, &key, &key_n) || key_n != KEY_BYTES || !bytes_of(env, aad_v, &aad, &aad_n)))
    return throw_type(env, "readerArm: key must be 32 bytes and aadBase a Uint8Array (or both null)");
  unsigned char *aad_copy = NULL;
  if (key) {
    aad_copy = malloc(aad_n + 12);
    if (!aad_copy) return throw_type(env, "out of memory");
    memcpy(aad_copy, aad, aad_n);
  }
  pthread_mutex_lock(&r->lock);
  int ok = !r->ended && !r->armed && !h->busy && r->posted == (uint64_t)after &&
           (!key || EVP_EncryptInit_ex(r->cipher, EVP_aes_256_gcm(), NULL, key, NULL) == 1);
  napi_ref old_ref = NULL;
  if (ok) {
    sink_t *s = &r->sink;
    s->fd = (int)fd, s->at = (int64_t)off, s->encrypt = key != NULL, s->next_index = (uint64_t)first, s->hash = h;
    s->sync = sync, s->media_start = (int64_t)media_start, s->next_ticks = (int64_t)next_ticks, s->disc_ticks = (int64_t)disc;
    s->timescale = timescale, s->target_ms = target, s->max_ms = max;
    if (key) memcpy(s->key, key, KEY_BYTES);
    s->aad = aad_copy, s->aad_base_bytes = aad_n, aad_copy = NULL;
    h->busy = 1;
    r->track = tr;
    r->armed = 1;
    if (direct) sink_direct(r);
    old_ref = r->hash_ref, r->hash_ref = NULL, r->release_hash = 0;
  }
  pthread_mutex_unlock(&r->lock);
  free(aad_copy);
  if (old_ref) napi_delete_reference(env, old_ref);
  if (ok) napi_create_reference(env, hash_v, 1, &r->hash_ref); // only this thread sets or takes hash_ref while armed
  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

// readerDisarm(reader) -> seq of the last chunk this reader recorded (0: none). When it returns, no append is in
// progress and none will start until the next arm; the file, its offset and its hash are the caller's again.
static napi_value reader_disarm(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  reader_state *r = argc == 1 ? reader_of(env, argv[0]) : NULL;
  if (!r) return throw_type(env, "readerDisarm(reader)");
  pthread_mutex_lock(&r->lock);
  if (r->armed) sink_clear(r);
  napi_ref ref = r->hash_ref;
  r->hash_ref = NULL, r->release_hash = 0;
  uint64_t last = r->last_written;
  pthread_mutex_unlock(&r->lock);
  if (ref) napi_delete_reference(env, ref);
  napi_value out;
  CHECK(napi_create_double(env, (double)last, &out));
  return out;
}

// readerLive(reader, on) -> { seq, fragments: [{ data, sequence, baseMediaDecodeTime, ... }], truncated } | null.
// on: recorded fragments' bytes are handed over from now on, and the GOP cached so far comes back (fragments up to
// chunk `seq`, copied), so a first live viewer starts at once; off: they stay here again.
static napi_value reader_live(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  reader_state *r = argc == 2 ? reader_of(env, argv[0]) : NULL;
  bool on = false;
  if (!r || napi_get_value_bool(env, argv[1], &on) != napi_ok) return throw_type(env, "readerLive(reader, on: boolean)");
  napi_value out, list, flag;
  if (!on) {
    pthread_mutex_lock(&r->lock);
    r->deliver = 0;
    pthread_mutex_unlock(&r->lock);
    napi_get_null(env, &out);
    return out;
  }
  CHECK(napi_create_object(env, &out));
  pthread_mutex_lock(&r->lock);
  r->deliver = 1;
  int count = r->gop_state ? r->gop_count : 0;
  napi_status st = napi_create_array_with_length(env, (size_t)count, &list);
  for (int i = 0; st == napi_ok && i < count; i++) {
    napi_value f, data;
    gop_item *it = &r->items[i];
    st = napi_create_object(env, &f);
    if (st == napi_ok) st = napi_create_buffer_copy(env, it->len, r->gop + it->off, NULL, &data);
    if (st != napi_ok) break;
    napi_set_named_property(env, f, "data", data);
    set_meta(env, f, &it->meta);
    set_number(env, f, "seq", (double)it->seq);
    napi_set_element(env, list, (uint32_t)i, f);
  }
  uint64_t seq = r->posted;
  int truncated = r->gop_state == 2;
  pthread_mutex_unlock(&r->lock);
  if (st != napi_ok) return throw_last(env);
  set_number(env, out, "seq", (double)seq);
  napi_set_named_property(env, out, "fragments", list);
  napi_get_boolean(env, truncated, &flag);
  napi_set_named_property(env, out, "truncated", flag);
  return out;
}

// scanFragment(bytes, trackId, trex | null) -> values | null: scan_fragment, for the test that holds it to the parser.
static napi_value scan_fragment_js(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *data;
  size_t n;
  double track;
  napi_valuetype tt;
  if (argc != 3 || !bytes_of(env, argv[0], &data, &n) || napi_get_value_double(env, argv[1], &track) != napi_ok ||
      napi_typeof(env, argv[2], &tt) != napi_ok)
    return throw_type(env, "scanFragment(bytes, trackId, trex: [duration, size, flags] | null)");
  track_t tr = {.known = 1, .track_id = (uint32_t)track};
  if (tt != napi_null && !read_trex(env, argv[2], &tr)) return throw_type(env, "scanFragment: trex must be [duration, size, flags]");
  frag_meta m;
  napi_value out;
  if (!scan_fragment(data, n, &tr, &m)) {
    napi_get_null(env, &out);
    return out;
  }
  CHECK(napi_create_object(env, &out));
  set_meta(env, out, &m);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"append", NULL, append, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Create", NULL, sha256_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Update", NULL, sha256_update, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256Digest", NULL, sha256_digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pipe", NULL, make_pipe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readerStart", NULL, reader_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readerArm", NULL, reader_arm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readerDisarm", NULL, reader_disarm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readerLive", NULL, reader_live, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanFragment", NULL, scan_fragment_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof *props, props);
  return exports;
}

NAPI_MODULE(vigil_native, init)
