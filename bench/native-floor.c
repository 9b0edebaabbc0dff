// The floor of the recorder's byte path in native code (bench/README.md, byte-path-floor): what
// the design requires per fragment -- read ffmpeg's pipe, SHA-256, AES-256-GCM records, pwrite, fdatasync -- done
// the cheapest way a native recorder could: one thread per stream, blocking reads into one reused 1 MiB buffer, one
// reused output buffer, no allocation in the steady state, OpenSSL's EVP (the same AES-NI/SHA-NI code as Node's).
// Nothing else: no fMP4 parsing, no index, no HTTP. Prints this process's CPU (all threads, not the ffmpeg
// children) per stream-second, like bench/node-floor.mjs, to answer one question: could ANY implementation of this
// design fit in the 15% over bare ffmpeg that the goal allows?
//
//   cc -O2 -I"$(dirname "$(command -v node)")/../include/node" -o /tmp/native-floor bench/native-floor.c \
//      -l:libcrypto.so.3 -lpthread                                  # Node's OpenSSL headers, libssl3's library
//   npx tsx tools/sim-camera/cli.ts --count 4 --port 8555 &      # 4 simulated 1080p cameras
//   /tmp/native-floor enc 8 30 rtsp://127.0.0.1:8555/cam{1,2,3,4}
//
// Modes (each adds to the one before): read · hash · write (pwrite + fdatasync about every 400 KB, ~one fragment) ·
// enc (AES-256-GCM records of <= 64 KiB before the write, as src/storage/segment-crypto.ts). Files go to a temp dir
// ($TMPDIR or /tmp). enc-direct: enc written with O_DIRECT, whole 4 KiB blocks from one aligned buffer that keeps the
// file's partial last block for the next write (no page cache: bench/README.md, "What this VM's memory costs"); the
// files end padded to a block, which a recorder would cut when a segment closes.
// `npm run bench -- --only byte-path-floor` builds and runs it beside bare ffmpeg and bench/node-floor.mjs.
#define _GNU_SOURCE
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

enum mode { READ, HASH, WRITE, ENC };
static enum mode mode;
static int direct; // enc-direct
static char dir[4096];

#define BUF_BYTES (1 << 20)
#define FLUSH_BYTES 400000
#define RECORD_BYTES (64 * 1024)

struct stream {
  int index;
  int in; // ffmpeg's stdout
  pid_t pid;
};

static void die(const char *what) {
  perror(what);
  exit(1);
}

// Seals `n` bytes as records (4-byte length, ciphertext, 16-byte tag) into `out`; returns the bytes written there.
static size_t seal(EVP_CIPHER_CTX *ctx, const unsigned char *key, unsigned long long *index, const unsigned char *in, size_t n,
                   unsigned char *out) {
  size_t o = 0;
  for (size_t at = 0; at < n; at += RECORD_BYTES) {
    size_t len = n - at < RECORD_BYTES ? n - at : RECORD_BYTES;
    unsigned char nonce[12] = {0};
    unsigned long long i = (*index)++;
    for (int b = 0; b < 8; b++) nonce[11 - b] = (unsigned char)(i >> (8 * b));
    out[o] = (unsigned char)(len >> 24), out[o + 1] = (unsigned char)(len >> 16), out[o + 2] = (unsigned char)(len >> 8),
    out[o + 3] = (unsigned char)len;
    int outl = 0;
    if (!EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce)) die("EVP_EncryptInit_ex");
    if (!EVP_EncryptUpdate(ctx, NULL, &outl, nonce, sizeof nonce)) die("aad"); // stands in for the real AAD
    if (!EVP_EncryptUpdate(ctx, out + o + 4, &outl, in + at, (int)len)) die("EVP_EncryptUpdate");
    if (!EVP_EncryptFinal_ex(ctx, out + o + 4 + len, &outl)) die("EVP_EncryptFinal_ex");
    if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + o + 4 + len)) die("tag");
    o += 4 + len + 16;
  }
  return o;
}

static void *record(void *arg) {
  struct stream *s = arg;
  unsigned char *buf = malloc(BUF_BYTES);
  unsigned char *sealed = malloc(BUF_BYTES + (BUF_BYTES / RECORD_BYTES + 1) * 20);
  unsigned char key[32];
  RAND_bytes(key, sizeof key);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL);
  char path[64];
  snprintf(path, sizeof path, "%s/%d.bin", dir, s->index);
  int out = mode >= WRITE ? open(path, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0600) : -1;
  if (mode >= WRITE && out < 0) die("open");
  unsigned char *aligned = NULL; // enc-direct: [partial last block][this write's records], written as whole blocks
  size_t tail = 0;
  if (direct && posix_memalign((void **)&aligned, 4096, 4096 + BUF_BYTES + (BUF_BYTES / RECORD_BYTES + 1) * 20 + 4096) != 0) die("posix_memalign");
  off_t at = 0;
  unsigned long long records = 0;
  size_t fill = 0;
  for (;;) {
    ssize_t r = read(s->in, buf + fill, BUF_BYTES - fill);
    if (r <= 0) break;
    if (mode == READ) continue; // fill stays 0: the buffer is reused for every read
    EVP_DigestUpdate(md, buf + fill, (size_t)r);
    if (mode == HASH) continue;
    fill += (size_t)r;
    if (fill < FLUSH_BYTES && fill < BUF_BYTES) continue;
    const unsigned char *data = buf;
    size_t n = fill;
    if (direct) {
      n = seal(ctx, key, &records, buf, fill, aligned + tail);
      size_t total = tail + n, blocks = (total + 4095) & ~(size_t)4095;
      if (pwrite(out, aligned, blocks, at - (off_t)tail) != (ssize_t)blocks) die("pwrite O_DIRECT");
      at += (off_t)n;
      tail = total & 4095;
      memmove(aligned, aligned + (total - tail), tail);
      if (fdatasync(out) < 0) die("fdatasync");
      fill = 0;
      continue;
    }
    if (mode == ENC) {
      n = seal(ctx, key, &records, buf, fill, sealed);
      data = sealed;
    }
    for (size_t done = 0; done < n;) {
      ssize_t w = pwrite(out, data + done, n - done, at + (off_t)done);
      if (w < 0) die("pwrite");
      done += (size_t)w;
    }
    at += (off_t)n;
    if (fdatasync(out) < 0) die("fdatasync");
    fill = 0;
  }
  return NULL;
}

static double cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u); // this process's threads only: the ffmpeg children are not reaped before the end
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: native-floor read|hash|write|enc|enc-direct STREAMS SECONDS RTSP_URL...\n");
    return 2;
  }
  const char *names[] = {"read", "hash", "write", "enc", "enc-direct"};
  int m = -1;
  for (int i = 0; i < 5; i++)
    if (strcmp(argv[1], names[i]) == 0) m = i;
  if (m < 0) return 2;
  direct = m == 4;
  mode = direct ? ENC : (enum mode)m;
  int streams = atoi(argv[2]);
  int seconds = atoi(argv[3]);
  char **urls = argv + 4;
  int nurls = argc - 4;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/vigil-native-floor-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) die("mkdtemp");
  struct stream *all = calloc((size_t)streams, sizeof *all);
  pthread_t *threads = calloc((size_t)streams, sizeof *threads);
  for (int i = 0; i < streams; i++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      dup2(p[1], 1);
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 2);
      execlp("ffmpeg", "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-rtsp_transport", "tcp", "-i",
             urls[i % nurls], "-map", "0:v:0", "-c", "copy", "-f", "mp4", "-movflags",
             "+frag_keyframe+empty_moov+default_base_moof+skip_trailer", "-frag_duration", "1000000", "pipe:1", (char *)NULL);
      _exit(127);
    }
    close(p[1]);
    all[i] = (struct stream){.index = i, .in = p[0], .pid = pid};
    pthread_create(&threads[i], NULL, record, &all[i]);
  }
  sleep(5); // connect and settle
  double t0 = cpu_seconds();
  sleep((unsigned)seconds);
  double used = cpu_seconds() - t0;
  for (int i = 0; i < streams; i++) kill(all[i].pid, SIGTERM);
  for (int i = 0; i < streams; i++) pthread_join(threads[i], NULL);
  for (int i = 0; i < streams; i++) waitpid(all[i].pid, NULL, 0);
  char rm[4200];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm) != 0) fprintf(stderr, "could not remove %s\n", dir);
  printf("{\"mode\":\"%s\",\"streams\":%d,\"seconds\":%d,\"cpuSeconds\":%.3f,\"msPerStreamSecond\":%.2f}\n", names[m], streams,
         seconds, used, used * 1000 / seconds / streams);
  return 0;
}
