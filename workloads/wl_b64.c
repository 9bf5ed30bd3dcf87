/* wl_b64: base64 encode and decode (wl_b64.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "wl_b64.h"

static const char wl_b64_abc[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
wl_b64_encode (const void *buf, size_t len)
{
  const uint8_t *p = buf;
  char *s = malloc ((len + 2) / 3 * 4 + 1), *o = s;

  if (!s)
    return NULL;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t) p[i] << 16;
    size_t n = len - i < 3 ? len - i : 3;
    if (n > 1)
      v |= (uint32_t) p[i + 1] << 8;
    if (n > 2)
      v |= p[i + 2];
    *o++ = wl_b64_abc[v >> 18];
    *o++ = wl_b64_abc[(v >> 12) & 63];
    *o++ = n > 1 ? wl_b64_abc[(v >> 6) & 63] : '=';
    *o++ = n > 2 ? wl_b64_abc[v & 63] : '=';
  }
  *o = '\0';
  return s;
}

static int
wl_b64_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int
wl_b64_decode (const char *s, size_t slen, uint8_t **out, size_t *outlen)
{
  uint8_t *b, *o;

  *out = NULL;
  *outlen = 0;
  if (slen % 4)
    return -EINVAL;
  if (!(b = malloc (slen / 4 * 3 + 1)))
    return -ENOMEM;
  o = b;
  for (size_t i = 0; i < slen; i += 4) {
    int v[4], pad = 0;
    for (int k = 0; k < 4; k++) {
      bool last = i + 4 == slen;
      if (s[i + k] == '=' && last && k >= 2) {
        v[k] = 0;
        pad++;
        continue;
      }
      if (pad || (v[k] = wl_b64_value (s[i + k])) < 0) {
        free (b);
        return -EINVAL;
      }
    }
    uint32_t w = (uint32_t) v[0] << 18 | (uint32_t) v[1] << 12
                 | (uint32_t) v[2] << 6 | (uint32_t) v[3];
    *o++ = (uint8_t) (w >> 16);
    if (pad < 2)
      *o++ = (uint8_t) (w >> 8);
    if (pad < 1)
      *o++ = (uint8_t) w;
  }
  *out = b;
  *outlen = (size_t) (o - b);
  return 0;
}
