/* fplog_common: helpers shared by the log writer and reader.
 *
 * The entry checksum is XXH3-64 (libxxhash) over the 56-byte entry header,
 * with its checksum field (bytes 48..55) zeroed, followed by the unpadded
 * payload.  See fplog.h and LOG-FORMAT.md.
 */
#include <string.h>
#include <uuid/uuid.h>
#define XXH_STATIC_LINKING_ONLY   /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "fplog.h"

const char *
fplog_type_name (unsigned type)
{
  switch (type) {
  case FPLOG_WRITE: return "WRITE";
  case FPLOG_TRIM:  return "TRIM";
  case FPLOG_ZERO:  return "ZERO";
  case FPLOG_FLUSH: return "FLUSH";
  case FPLOG_MARK:  return "MARK";
  case FPLOG_FAULT: return "FAULT";
  default:          return "?";
  }
}

uint64_t
fplog_entry_checksum (const uint8_t hdr[FPLOG_ENTRY_HDR],
                      const void *payload, uint32_t payload_len)
{
  uint8_t h[FPLOG_ENTRY_HDR];
  XXH3_state_t st;

  memcpy (h, hdr, sizeof h);
  memset (h + 48, 0, 8);
  XXH3_64bits_reset (&st);
  XXH3_64bits_update (&st, h, sizeof h);
  if (payload_len)
    XXH3_64bits_update (&st, payload, payload_len);
  return XXH3_64bits_digest (&st);
}

void
fplog_uuid_format (const uint8_t uuid[16], char out[37])
{
  uuid_unparse_lower (uuid, out);
}
