/* dossier.h: the printed case file (专门档案) as a PDF, drawn with cairo and
 * laid out with pango (Noto CJK fonts through fontconfig).
 *
 * The renderer knows nothing of the database or of who is asking: the
 * handler builds the model (already decided what the reader may see, and
 * in the reader's language) and hands it over on a worker thread. Slow
 * (tens of milliseconds): never call it on an event loop.
 *
 * The model (a JSON object; every text already translated):
 *   {
 *     "title":     "学生欺凌事件专门档案",          cover title
 *     "school":    "新郑市第一初级中学",
 *     "number":    "2026-0007",
 *     "printed":   "2026-11-29 10:30",            when, in the bureau's zone
 *     "printed_by":"王老师",
 *     "confidential": "内部资料 注意保密 ...",      a line on every page's foot
 *     "cover": [ {"label":"状态","value":"已结案"}, ... ],   key facts
 *     "sections": [
 *       { "heading": "当事人",
 *         "rows":  [ {"label":"受害学生","value":"张某某（七年级2班）"}, ... ],
 *         "items": [ {"when":"2026-10-08 09:12","title":"谈话记录",
 *                     "by":"李老师","text":"……可以多段\n第二段"}, ... ],
 *         "text":  "a paragraph" },
 *       ...
 *     ],
 *     "labels": { "page": "第 %d 页，共 %d 页",       the two %d: page, pages
 *                 "printed": "打印时间", "printed_by": "打印人" }  cover prefixes
 *   }
 * Each section may carry rows, items and text, in that order, all
 * optional. Long text wraps and breaks across pages; a heading is never
 * left alone at a page's foot. */
#ifndef XA_DOSSIER_H
#define XA_DOSSIER_H

#include <jansson.h>

#include "../core/buf.h"
#include "../core/err.h"

/* Renders model as an A4 PDF into out (appended). XA_EINVAL when the
 * model lacks title or sections; XA_ENOMEM; XA_ETOOBIG when out's cap is
 * reached. Thread-safe (each call has its own surface). */
xa_err dossier_pdf(const json_t *model, buf *out);

#endif
