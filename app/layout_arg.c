/* layout_arg.c - see layout_arg.h. */
#include "app/layout_arg.h"

#include "base/diag.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "render/layout.h"

#include <stdlib.h>
#include <string.h>

int app_layout_load(const char *spec, const struct recording *rec, bool has_board, int w, int h,
                    bool chat, struct diag_list *diag, struct layout *out)
{
    int preset = layout_preset_from_name(spec ? spec : "board");
    if (preset >= 0)
        return layout_preset(preset, rec, has_board, w ? w : LAYOUT_DEFAULT_W,
                             h ? h : LAYOUT_DEFAULT_H, chat, out);
    char *json = NULL;
    size_t len = 0;
    int rc;
    int model = layout_model_from_name(spec);
    if (model > 0) {
        if ((rc = layout_model(model, NULL, spec, out)) != 0)
            return rc;
        goto made;
    }
    rc = sp_read_file(spec, LAYOUT_MAX_JSON_BYTES, &json, &len);
    if (rc) {
        diag_add(diag, DIAG_ERROR, "%s: %s", spec,
                 rc == SP_ENOENT
                     ? "no such layout file (presets: board, grid, focus, model1, model2)"
                     : sp_strerror(rc));
        return rc;
    }
    const char *base = strrchr(spec, '/');
    rc = layout_parse_custom(json, len, base ? base + 1 : spec, diag, out);
    free(json);
    if (rc)
        return rc;
made:
    layout_bind(out, rec, diag);
    if (w && (w != out->w || h != out->h))
        return layout_fit_to(out, w, h, out);
    return 0;
}
