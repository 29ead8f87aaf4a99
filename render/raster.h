/* raster.h - anti-aliased vector drawing into a canvas.
 *
 * Geometry is built as FreeType outlines: strokes go through FreeType's
 * stroker (FT_Stroker, round caps and round joins) and every outline is
 * scan-converted by FreeType's anti-aliasing rasterizer (FT_Outline_Render in
 * direct mode), which reports the exact area coverage of each pixel. The
 * span callback blends straight into the canvas.
 *
 * One drawing call = one outline rasterized once, so every pixel is blended
 * at most once per call: a translucent stroke (highlighter) crossing itself
 * does not get darker where it overlaps, and an arrow's shaft and head blend
 * as one shape.
 *
 * Coordinates and widths are in board units, mapped to canvas pixels by a
 * struct raster_xform (pixel = board * scale + t), so zooming the view
 * scales widths too. Pixel (i, j) covers the square [i, i+1) x [j, j+1);
 * its centre is (i + 0.5, j + 0.5).
 *
 * Limits (documented caps, input beyond them is clamped or refused):
 * - RASTER_MAX_POINTS points per polyline (SP_ELIMIT beyond);
 * - polylines are clipped (exactly) to the canvas plus a margin before they
 *   reach FreeType; an ellipse whose box in pixels is larger than 200000 px
 *   (a 100x zoom into a page-sized ellipse) is refused with SP_ELIMIT;
 * - pixel widths below RASTER_MIN_WIDTH_PX are drawn at that width so a
 *   zoomed-out hairline stays visible; above RASTER_MAX_WIDTH_PX at that.
 *
 * A struct raster is not thread-safe: one per drawing thread.
 */
#ifndef SP_RENDER_RASTER_H
#define SP_RENDER_RASTER_H

#include "render/canvas.h"

#include <stdbool.h>
#include <stddef.h>

#define RASTER_MAX_POINTS 1000000
#define RASTER_MIN_WIDTH_PX 1.0
#define RASTER_MAX_WIDTH_PX 65536.0

struct raster; /* FreeType library, stroker and scratch outline buffers */

/* Board units to pixels: px = x * scale + tx, py = y * scale + ty. */
struct raster_xform {
    double scale; /* pixels per board unit, > 0 */
    double tx, ty;
};

static inline struct raster_xform raster_xform_identity(void)
{
    struct raster_xform xf = {1.0, 0.0, 0.0};
    return xf;
}

/* Creates a rasterizer. Returns 0, SP_ENOMEM or SP_EIO (FreeType failed to
 * initialise); *out is NULL on error. */
int raster_create(struct raster **out);

/* The last FreeType error a drawing call on r failed with, in words
 * ("the scan converter's cell pool overflowed (raster overflow)"); static,
 * never NULL. */
const char *raster_error_text(const struct raster *r);

/* For tests: every later scan conversion on r fails as if FreeType had
 * returned ft_error (an FT_Err_* value; 0 ends it), so that the naming of
 * errors and the skipping of what cannot be drawn can be shown. */
void raster_inject_error(struct raster *r, int ft_error);

/* True once some render on r had to be split into tiles (for tests). */
bool raster_was_tiled(const struct raster *r);

/* Frees it and sets *r to NULL; NULL-safe. */
void raster_destroy(struct raster **r);

/* Limits the pixels later calls may write to clip (NULL: the whole canvas,
 * the default). Only scan conversion is limited: the geometry, and so every
 * pixel inside the clip, is exactly what an unclipped call gives. This lets
 * two threads, each with its own raster, draw the same shapes into two
 * bands of one canvas. */
void raster_set_clip(struct raster *r, const struct canvas_rect *clip);

/* Strokes the open polyline pts[0..2n-1] = x0, y0, x1, y1, ... (n points,
 * board units) with round caps and joins, width in board units. n == 1 (or
 * all points equal) draws a dot of diameter width. n == 0 or a transparent
 * color draws nothing. Consecutive duplicate points are skipped. Any point
 * count up to RASTER_MAX_POINTS draws, however often the stroke crosses
 * itself (an outline too dense for FreeType's cell pool is rendered in
 * tiles). Returns 0, SP_EINVAL (NULL pts with n > 0, width not finite and
 * > 0, bad transform), SP_ELIMIT (n > RASTER_MAX_POINTS), SP_ENOMEM, or
 * SP_ERANGE for any other FreeType error (raster_error_text() names it).
 * Every drawing call below returns the same codes. */
int raster_stroke(struct raster *r, struct canvas *c, const struct raster_xform *xf,
                  const double *pts, size_t n, double width, struct canvas_color color);

/* A straight line from (x1, y1) to (x2, y2), round caps. */
int raster_line(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                double y1, double x2, double y2, double width, struct canvas_color color);

/* An arrow from (x1, y1) to its tip at (x2, y2): a shaft with a round tail
 * cap and a filled triangular head (length RASTER_ARROW_HEAD_LEN(width),
 * capped to 3/4 of the arrow's length), drawn as one shape. */
#define RASTER_ARROW_HEAD_LEN(width) ((width)*3.0 + 8.0)
int raster_arrow(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                 double y1, double x2, double y2, double width, struct canvas_color color);

/* The arrow head triangle (board units): tip, then the two base corners,
 * as out[6] = tx, ty, ax, ay, bx, by; and the end point of the shaft in
 * shaft_end[2]. Exposed so tests can draw the same geometry elsewhere. */
void raster_arrow_geometry(double x1, double y1, double x2, double y2, double width, double out[6],
                           double shaft_end[2]);

/* A rectangle with corners (x1, y1), (x2, y2) (any order). fill, if not
 * NULL, fills the inside first; the border (round joins) is stroked with
 * color when width > 0 and color is not transparent. */
int raster_rect(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                double y1, double x2, double y2, double width, struct canvas_color color,
                const struct canvas_color *fill);

/* An ellipse inscribed in the box (x1, y1)-(x2, y2), four cubic Bezier
 * arcs (max radial error 0.03 %); fill and border as raster_rect. */
int raster_ellipse(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x1,
                   double y1, double x2, double y2, double width, struct canvas_color color,
                   const struct canvas_color *fill);

/* Fills the closed polygon pts (n >= 3 points, board units), non-zero
 * winding. */
int raster_polygon(struct raster *r, struct canvas *c, const struct raster_xform *xf,
                   const double *pts, size_t n, struct canvas_color color);

/* The laser pointer at board point (x, y): a red dot of RASTER_LASER_RADIUS_PX
 * pixels (a fixed screen size, not scaled by the view) with a soft halo,
 * its opacity multiplied by fade (0 = invisible, 1 = full). */
#define RASTER_LASER_RADIUS_PX 6.0
int raster_laser(struct raster *r, struct canvas *c, const struct raster_xform *xf, double x,
                 double y, double fade);

/* Pixel bounds on the canvas (clipped, may be empty) that a stroke of
 * pts with width could touch; for dirty-rectangle bookkeeping. */
struct canvas_rect raster_stroke_bounds(const struct canvas *c, const struct raster_xform *xf,
                                        const double *pts, size_t n, double width);

/* A stroke drawn piece by piece (a stroke in progress that grows every
 * frame): each piece's coverage is max-combined into a mask, and the mask
 * is blended once per frame, so new points cost only their own segments and
 * a translucent stroke still never darkens itself. Where two pieces' edges
 * cross, max() approximates the exact union within a pixel's coverage. */
struct raster_mask {
    int w, h;                 /* pixels, the canvas size */
    uint8_t *cov;             /* owned, w*h coverage */
    struct canvas_rect dirty; /* bounds of everything added since the clear */
};

int raster_mask_create(struct raster_mask **out, int w, int h);
void raster_mask_destroy(struct raster_mask **m);
void raster_mask_clear(struct raster_mask *m);

/* Adds the stroke pts (as raster_stroke) to m. To extend a stroke, pass
 * its new points preceded by the last point already added. */
int raster_stroke_mask(struct raster *r, struct raster_mask *m, const struct raster_xform *xf,
                       const double *pts, size_t n, double width);

/* Blends m over c with color (m->dirty only). */
void raster_mask_blend(struct canvas *c, const struct raster_mask *m, struct canvas_color color);

#endif
