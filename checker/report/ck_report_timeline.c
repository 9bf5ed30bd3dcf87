/* ck_report_timeline: the HTML report's timeline, readable at any log size.
 *
 * One SVG, x = position in the log (entries, in at most TL_COLS buckets),
 * and three bands:
 *   where     y = device offset (TL_ROWS bands of the device): a cell is
 *             drawn where writes of that bucket landed, darker for more,
 *             so the journal, the metadata and the data show as the
 *             regions they are; the journal's extent is labelled when the
 *             log writes a jbd2 superblock (magic 0xC03B3998, block type
 *             3 or 4: ext4 and the engine), with s_maxlen blocks
 *   marks     a tick per bucket holding oracle marks; sync calls labelled
 *   states    the worst verdict of the crash states ending in the bucket:
 *             green held, amber lost (not promised), red violated, grey
 *             skipped (before mkfs)
 * FLUSH entries are red lines across the whole height.  Every cell has a
 * <title> (hover: entry range and counts).  A few lines of JavaScript zoom
 * the x axis (mouse wheel at the pointer, drag to pan, double-click to
 * reset; buttons too; "#zoom=4" in the URL opens zoomed on the middle)
 * by changing the viewBox: no network, no library, and the page works
 * without scripts (the whole log, unzoomed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ck_report.h"

#define TL_COLS   1200u
#define TL_ROWS   48u
#define TL_LABELS 40u
#define TL_X0     0u          /* the plot's own coordinates: x in buckets */

struct tl {
  uint64_t per;                /* entries per bucket */
  unsigned ncols;
  uint32_t *grid;              /* [col * TL_ROWS + row]: writes */
  uint32_t *writes, *fua, *marks, *flushes;
  uint8_t *verdict;            /* 0 none, 1 skipped, 2 held, 3 lost, 4 viol */
  uint64_t dev;                /* the y axis: the highest byte written */
  uint64_t j_off, j_len;       /* the journal, bytes; j_len 0: unknown */
};

static uint32_t
tl_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8
         | p[3];
}

/* A jbd2 superblock (journal_superblock_t: header, s_blocksize, s_maxlen)
 * at the start of a write: the journal starts there. */
static void
tl_journal (struct tl *t, const struct fplog_entry *e)
{
  const uint8_t *p = e->payload;

  if (t->j_len || !p || e->payload_len < 20 || tl_be32 (p) != 0xC03B3998u)
    return;
  uint32_t type = tl_be32 (p + 4), bs = tl_be32 (p + 12),
           maxlen = tl_be32 (p + 16);
  if ((type != 3 && type != 4) || bs < 512 || bs > 65536 || (bs & (bs - 1)))
    return;
  t->j_off = e->offset;
  t->j_len = (uint64_t) bs * maxlen;
}

static uint8_t
tl_level (const struct ck_state_result *s)
{
  uint8_t worst = 2;

  if (s->status == CK_STATE_SKIPPED)
    return 1;
  for (int p = 0; p < CK_P__COUNT; p++)
    if (s->v[p] == CK_V_VIOLATED)
      worst = 4;
    else if (s->v[p] == CK_V_LOST && worst < 3)
      worst = 3;
  return worst;
}

static void
tl_free (struct tl *t)
{
  free (t->grid);
  free (t->writes);
  free (t->fua);
  free (t->marks);
  free (t->flushes);
  free (t->verdict);
}

static int
tl_fill (struct tl *t, const struct ck_check_result *r, const char *log_path,
         char *errbuf, size_t errlen)
{
  struct fplog_reader *rd;
  struct fplog_entry e;
  uint64_t n = r->walk.entries ? r->walk.entries : 1;
  int rc, err;

  t->per = (n + TL_COLS - 1) / TL_COLS;
  t->ncols = (unsigned) ((n + t->per - 1) / t->per);
  t->grid = calloc ((size_t) t->ncols * TL_ROWS, sizeof *t->grid);
  t->writes = calloc (t->ncols, sizeof *t->writes);
  t->fua = calloc (t->ncols, sizeof *t->fua);
  t->marks = calloc (t->ncols, sizeof *t->marks);
  t->flushes = calloc (t->ncols, sizeof *t->flushes);
  t->verdict = calloc (t->ncols, 1);
  if (!t->grid || !t->writes || !t->fua || !t->marks || !t->flushes
      || !t->verdict)
    return -ENOMEM;
  /* The y axis spans what the log wrote, not the whole device: a small
   * file system on a big disk would otherwise be a few rows at the top. */
  if ((err = fplog_reader_open (log_path, &rd, errbuf, errlen)) != 0)
    return err;
  t->dev = 1;
  while ((rc = fplog_next (rd, &e, errbuf, errlen)) == FPLOG_NEXT_ENTRY)
    if ((e.type == FPLOG_WRITE || e.type == FPLOG_TRIM || e.type == FPLOG_ZERO)
        && e.offset + e.length > t->dev)
      t->dev = e.offset + e.length;
  fplog_reader_close (rd);
  if (rc < 0)
    return rc;
  if ((err = fplog_reader_open (log_path, &rd, errbuf, errlen)) != 0)
    return err;
  while ((rc = fplog_next (rd, &e, errbuf, errlen)) == FPLOG_NEXT_ENTRY) {
    uint64_t c = e.seq / t->per;
    if (c >= t->ncols)
      break;
    switch (e.type) {
    case FPLOG_WRITE: case FPLOG_TRIM: case FPLOG_ZERO: {
      uint64_t last = e.length ? e.offset + e.length - 1 : e.offset;
      uint64_t r0 = e.offset / ((t->dev + TL_ROWS - 1) / TL_ROWS);
      uint64_t r1 = last / ((t->dev + TL_ROWS - 1) / TL_ROWS);
      for (uint64_t y = r0; y <= r1 && y < TL_ROWS; y++)
        t->grid[c * TL_ROWS + y]++;
      t->writes[c]++;
      t->fua[c] += (e.flags & FPLOG_F_FUA) != 0;
      if (e.type == FPLOG_WRITE)
        tl_journal (t, &e);
      break;
    }
    case FPLOG_FLUSH: t->flushes[c]++; break;
    case FPLOG_MARK: t->marks[c]++; break;
    default: break;
    }
  }
  fplog_reader_close (rd);
  if (rc < 0)
    return rc;
  for (size_t i = 0; i < r->nstates; i++) {
    uint64_t c = r->states[i].recipe.end / t->per;
    uint8_t lv = tl_level (&r->states[i]);
    if (c < t->ncols && lv > t->verdict[c])
      t->verdict[c] = lv;
  }
  return 0;
}

/* Heights in the plot's units (one bucket is one unit wide). */
#define TL_WHERE_Y 4u
#define TL_WHERE_H 192u          /* TL_ROWS * 4 */
#define TL_MARK_Y  (TL_WHERE_Y + TL_WHERE_H + 10u)
#define TL_STATE_Y (TL_MARK_Y + 40u)
#define TL_H       (TL_STATE_Y + 22u)

static void
tl_plot (FILE *out, const struct tl *t, const struct ck_check_result *r)
{
  static const char *const fill[] = { "", "#bbb", "#3a3", "#e90", "#d22" };
  unsigned labels = 0;
  uint32_t most = 1;

  for (size_t i = 0; i < (size_t) t->ncols * TL_ROWS; i++)
    if (t->grid[i] > most)
      most = t->grid[i];
  fprintf (out, "<svg id='fp-timeline' xmlns='http://www.w3.org/2000/svg' "
           "viewBox='0 0 %u %u' preserveAspectRatio='none' width='100%%' "
           "height='%u' data-cols='%u' style='background:#fff;border:1px "
           "solid #ccc'>\n", t->ncols, TL_H, TL_H, t->ncols);
  if (t->j_len) {
    unsigned y0 = (unsigned) (t->j_off * TL_ROWS / t->dev) * 4 + TL_WHERE_Y;
    unsigned y1 = (unsigned) (((t->j_off + t->j_len - 1) * TL_ROWS / t->dev)
                              + 1) * 4 + TL_WHERE_Y;
    fprintf (out, "<rect class='fp-journal' x='0' y='%u' width='%u' "
             "height='%u' fill='#fde9c8'/>\n", y0, t->ncols, y1 - y0);
  }
  for (unsigned c = 0; c < t->ncols; c++) {
    uint64_t lo = (uint64_t) c * t->per, hi = lo + t->per - 1;
    if (t->flushes[c])
      fprintf (out, "<rect class='fp-flush' x='%u' y='0' width='1' "
               "height='%u' fill='#d22' opacity='0.18'><title>entries %"
               PRIu64 "-%" PRIu64 ": %u FLUSH</title></rect>\n", c, TL_H, lo,
               hi, t->flushes[c]);
    for (unsigned y = 0; y < TL_ROWS; y++) {
      uint32_t k = t->grid[(size_t) c * TL_ROWS + y];
      if (!k)
        continue;
      fprintf (out, "<rect class='fp-w' x='%u' y='%u' width='1' height='4' "
               "fill='#1c4f9c' fill-opacity='%.2f'><title>entries %" PRIu64
               "-%" PRIu64 ": %u writes at %" PRIu64 "-%" PRIu64 " KiB%s"
               "</title></rect>\n", c, TL_WHERE_Y + y * 4,
               0.25 + 0.75 * (double) k / most, lo, hi, k,
               t->dev * y / TL_ROWS >> 10, t->dev * (y + 1) / TL_ROWS >> 10,
               t->fua[c] ? " (some FUA)" : "");
    }
    if (t->marks[c])
      fprintf (out, "<rect class='fp-mark' x='%u' y='%u' width='1' "
               "height='12' fill='#2a6'><title>entries %" PRIu64 "-%" PRIu64
               ": %u marks</title></rect>\n", c, TL_MARK_Y, lo, hi,
               t->marks[c]);
    if (t->verdict[c])
      fprintf (out, "<rect class='fp-state fp-v%u' x='%u' y='%u' width='1' "
               "height='16' fill='%s'><title>crash states ending in entries %"
               PRIu64 "-%" PRIu64 "</title></rect>\n", t->verdict[c], c,
               TL_STATE_Y, fill[t->verdict[c]], lo, hi);
  }
  uint64_t gap = t->ncols / 24 + 1, last = 0;   /* labels a 24th apart */
  for (size_t i = 0; i < r->oracle->nops && labels < TL_LABELS; i++) {
    const struct ck_op *op = &r->oracle->ops[i];
    if (!op->sync_call || op->after_seq == CK_NO_SEQ
        || (labels && op->after_seq / t->per < last + gap))
      continue;
    last = op->after_seq / t->per;
    fprintf (out, "<text class='fp-label' x='%" PRIu64 "' y='%u' "
             "font-size='9' fill='#175' transform-origin='0 0'>",
             op->after_seq / t->per, TL_MARK_Y + (labels % 2 ? 34 : 24));
    ck_html_esc (out, op->sync_call);
    fprintf (out, " %zu</text>\n", i);
    labels++;
  }
  fputs ("</svg>\n", out);
}

/* Zoom and pan on x (the viewBox), and keep labels from stretching. */
static const char tl_script[] =
  "<script>(function(){var s=document.getElementById('fp-timeline');"
  "if(!s)return;var n=+s.getAttribute('data-cols'),h=s.viewBox.baseVal."
  "height,x=0,w=n,drag=null;function set(){w=Math.max(4,Math.min(n,w));"
  "x=Math.max(0,Math.min(n-w,x));s.setAttribute('viewBox',x+' 0 '+w+' '+h);"
  "var k=w/s.clientWidth,l=s.querySelectorAll('.fp-label');for(var i=0;"
  "i<l.length;i++)l[i].setAttribute('transform','translate('+l[i]."
  "getAttribute('x')+' 0) scale('+k+' 1) translate('+(-l[i].getAttribute"
  "('x'))+' 0)');document.getElementById('fp-range').textContent='entries '"
  "+Math.round(x*PER)+'-'+Math.round((x+w)*PER)+' of '+ENTRIES;"
  "s.setAttribute('data-zoom',(n/w).toFixed(2));}"
  "function at(e){var r=s.getBoundingClientRect();return x+(e.clientX-r.left)"
  "/r.width*w;}s.addEventListener('wheel',function(e){e.preventDefault();"
  "var p=at(e),f=e.deltaY<0?0.8:1.25;x=p-(p-x)*f;w*=f;set();});"
  "s.addEventListener('mousedown',function(e){drag={c:e.clientX,x:x};});"
  "window.addEventListener('mouseup',function(){drag=null;});"
  "window.addEventListener('mousemove',function(e){if(!drag)return;"
  "x=drag.x-(e.clientX-drag.c)/s.getBoundingClientRect().width*w;set();});"
  "s.addEventListener('dblclick',function(){x=0;w=n;set();});"
  "document.getElementById('fp-zin').onclick=function(){x+=w*0.25;w*=0.5;"
  "set();};document.getElementById('fp-zout').onclick=function(){x-=w*0.5;"
  "w*=2;set();};document.getElementById('fp-zall').onclick=function(){x=0;"
  "w=n;set();};var z=/zoom=([0-9.]+)/.exec(location.hash);if(z){w=n/+z[1];"
  "x=(n-w)/2;}set();})();</script>\n";

int
ck_report_timeline (FILE *out, const struct ck_check_result *r,
                    const char *log_path, char *errbuf, size_t errlen)
{
  struct tl t = { 0 };
  int err = tl_fill (&t, r, log_path, errbuf, errlen);

  if (err) {
    tl_free (&t);
    return err;
  }
  fprintf (out, "<h2>Timeline</h2>\n<p>%" PRIu64 " entries (%" PRIu64
           " per column). Top: where writes landed on the device (0 at the "
           "top, the highest byte written, %" PRIu64 " KiB, at the bottom); red lines: FLUSH; green: "
           "oracle marks and the sync calls that returned; bottom: the worst "
           "verdict of the crash states ending there (green held, amber lost, "
           "red violated, grey before mkfs). Wheel or the buttons to zoom, "
           "drag to pan, double-click for the whole log.</p>\n<p>"
           "<button id='fp-zin'>zoom in</button> <button id='fp-zout'>zoom "
           "out</button> <button id='fp-zall'>whole log</button> <span "
           "id='fp-range'></span></p>\n", r->walk.entries, t.per,
           t.dev >> 10);
  if (t.j_len)
    fprintf (out, "<p>Shaded band: the journal (%" PRIu64 " KiB at byte %"
             PRIu64 ", from the jbd2 superblock the log writes).</p>\n",
             t.j_len >> 10, t.j_off);
  tl_plot (out, &t, r);
  fprintf (out, "<script>var PER=%" PRIu64 ",ENTRIES=%" PRIu64
           ";</script>\n", t.per, r->walk.entries);
  fputs (tl_script, out);
  tl_free (&t);
  return ferror (out) ? -EIO : 0;
}
