/*
 * modelwatch: a small self-contained SVG line-chart renderer (no dependencies, no network).
 *
 *   MWChart.render(svgElement, {
 *     series: [{name: "v1", color: "#0072B2", points: [{x: epochMs, y: number|null, final: bool, label: "..."}]}],
 *     yLabel: "F1", xSpan: windowSizeMs, domain: [0, 1]   // domain optional: auto-zoom within it
 *   });
 *
 * The <svg> gets data-points (points drawn), data-series, data-last-x so that tests can check it.
 *
 * Open windows (final: false) are drawn hollow. The y-range only grows while the same view is shown (opts.rangeKey,
 * e.g. the slice): an open window's figure swings while its labels come in, and an axis that zoomed on every poll
 * jumped with it. A missing window breaks the line. A render whose inputs equal the last one's draws nothing: a
 * poll that changes nothing keeps the hover read-out and tooltips under the pointer.
 */
(function (global) {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var M = {top: 14, right: 16, bottom: 30, left: 46};

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k) && attrs[k] !== undefined && attrs[k] !== null) {
          e.setAttribute(k, String(attrs[k]));
        }
      }
    }
    if (parent) parent.appendChild(e);
    return e;
  }

  function pad2(n) { return (n < 10 ? "0" : "") + n; }

  /** Time label adapted to the span shown and the window size. */
  function formatTime(ms, spanMs, stepMs) {
    var d = new Date(ms);
    var hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    if (stepMs && stepMs < 60000) hm += ":" + pad2(d.getSeconds());
    if (spanMs > 36 * 3600 * 1000) return pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " + hm;
    return hm;
  }

  function formatValue(v) {
    if (v === null || v === undefined || isNaN(v)) return "–";
    return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);
  }

  /** Round tick steps: 1, 2, 5 x 10^k. */
  function niceStep(span, count) {
    var raw = span / Math.max(1, count);
    var mag = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var norm = raw / mag;
    var step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
    return step * mag;
  }

  var TIME_STEPS = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5,
    432e5, 864e5, 1728e5, 6048e5];

  function timeStep(span, count) {
    var raw = span / Math.max(1, count);
    for (var i = 0; i < TIME_STEPS.length; i++) if (TIME_STEPS[i] >= raw) return TIME_STEPS[i];
    return TIME_STEPS[TIME_STEPS.length - 1];
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function defined(y) { return y !== null && y !== undefined && !isNaN(y); }

  function render(svg, opts) {
    // draw at the element's real size so that text stays legible: 1 unit = 1 CSS pixel
    var measured = Math.round(svg.getBoundingClientRect().width || 0);
    var W = measured >= 200 ? measured : 640;
    var H = opts.height || 220;
    var series = (opts.series || []).filter(function (s) { return s.points && s.points.length; });
    var signature = JSON.stringify([W, H, series, opts.thresholds || [], opts.yLabel, opts.xSpan, opts.domain,
      opts.rangeKey]);
    if (svg.mwSignature === signature) return;
    svg.mwSignature = signature;
    clear(svg);
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    svg.setAttribute("role", "img");

    var xs = [], ys = [];
    series.forEach(function (s) {
      s.points.forEach(function (p) {
        xs.push(p.x);
        if (defined(p.y)) ys.push(p.y);
      });
    });
    var drawn = ys.length;
    svg.setAttribute("data-points", String(drawn));
    svg.setAttribute("data-series", String(series.length));
    svg.setAttribute("data-last-x", xs.length ? String(Math.max.apply(null, xs)) : "");
    svg.setAttribute("aria-label", (opts.yLabel || "chart") + ": " + drawn + " points in " + series.length + " series");

    if (!drawn) {
      var t = el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "chart-empty"}, svg);
      t.textContent = xs.length ? "no defined values yet (too few labels?)" : "no windows yet";
      return;
    }

    // x domain: window starts, padded by half a window on each side
    var step = opts.xSpan || 0;
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    if (x1 === x0) { x0 -= step || 60000; x1 += step || 60000; }
    var xpad = step ? step / 2 : (x1 - x0) * 0.02;
    x0 -= xpad; x1 += xpad;

    // y domain: zoom on the figures and the thresholds, within the allowed domain, at least 0.1 tall; for the same
    // view (rangeKey) never narrower than the last range drawn
    var dom = opts.domain || [null, null];
    var rangeYs = ys.concat((opts.thresholds || []).map(function (th) { return th.y; })
      .filter(function (y) { return defined(y) && (dom[0] === null || y >= dom[0]) && (dom[1] === null || y <= dom[1]); }));
    var rangeKey = JSON.stringify(opts.rangeKey === undefined ? null : opts.rangeKey);
    var kept = svg.mwRange && svg.mwRange.key === rangeKey ? svg.mwRange : null;
    if (kept) rangeYs.push(kept.lo, kept.hi); // the figures' range, before padding: the same data, the same axis
    var y0 = Math.min.apply(null, rangeYs), y1 = Math.max.apply(null, rangeYs);
    svg.mwRange = {key: rangeKey, lo: y0, hi: y1};
    var minSpan = opts.minSpan || 0.1;
    if (y1 - y0 < minSpan) { var mid = (y0 + y1) / 2; y0 = mid - minSpan / 2; y1 = mid + minSpan / 2; }
    var ypad = (y1 - y0) * 0.08;
    y0 -= ypad; y1 += ypad;
    if (dom[0] !== null && y0 < dom[0]) { y1 += dom[0] - y0; y0 = dom[0]; }
    if (dom[1] !== null && y1 > dom[1]) { y0 -= y1 - dom[1]; y1 = dom[1]; }
    if (dom[0] !== null && y0 < dom[0]) y0 = dom[0];
    var ystep = niceStep(y1 - y0, 4);
    y0 = Math.floor(y0 / ystep) * ystep;
    y1 = Math.ceil(y1 / ystep) * ystep;
    if (dom[0] !== null) y0 = Math.max(y0, dom[0]);
    if (dom[1] !== null) y1 = Math.min(y1, dom[1]);


    var pw = W - M.left - M.right, ph = H - M.top - M.bottom;
    function sx(x) { return M.left + (x - x0) / (x1 - x0) * pw; }
    function sy(y) { return M.top + (1 - (y - y0) / (y1 - y0)) * ph; }

    var grid = el("g", {"class": "grid"}, svg);
    var axis = el("g", {"class": "axis"}, svg);
    for (var v = y0; v <= y1 + ystep / 1000; v += ystep) {
      var yy = sy(v);
      el("line", {x1: M.left, x2: W - M.right, y1: yy, y2: yy}, grid);
      var lab = el("text", {x: M.left - 6, y: yy + 4, "text-anchor": "end"}, axis);
      lab.textContent = ystep < 0.01 ? v.toFixed(3) : ystep < 0.1 ? v.toFixed(2) : v.toFixed(1);
    }
    var tstep = timeStep(x1 - x0, 6);
    for (var tx = Math.ceil(x0 / tstep) * tstep; tx <= x1; tx += tstep) {
      var xx = sx(tx);
      el("line", {x1: xx, x2: xx, y1: M.top, y2: H - M.bottom, "class": "vgrid"}, grid);
      if (xx + 26 > W || xx - 26 < M.left - 20) continue; // no clipped labels at the edges
      var tl = el("text", {x: xx, y: H - M.bottom + 16, "text-anchor": "middle"}, axis);
      tl.textContent = formatTime(tx, x1 - x0, tstep);
    }
    el("line", {x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, "class": "baseline"}, axis);

    // threshold lines: the rules in force on the figure (grey), red where an alert fires on them; named at the right
    (opts.thresholds || []).forEach(function (th) {
      if (th.y < y0 || th.y > y1) return;
      var g = el("g", {"class": "threshold" + (th.firing ? " firing" : ""), "data-rule": th.rule, "data-y": th.y}, svg);
      el("line", {x1: M.left, x2: W - M.right, y1: sy(th.y), y2: sy(th.y)}, g);
      if (th.rule) {
        el("text", {x: W - M.right - 2, y: sy(th.y) - 3, "text-anchor": "end"}, g).textContent =
          th.rule + " " + formatValue(th.y);
      }
      if (th.title) el("title", null, g).textContent = th.title;
    });

    var plot = el("g", {"class": "plot"}, svg);
    series.forEach(function (s, si) {
      var pts = s.points.slice().sort(function (a, b) { return a.x - b.x; });
      // a missing window (no record: no predictions, or no longer held) breaks the line rather than bridging it
      var d = "", pen = false, lastX = null;
      pts.forEach(function (p) {
        if (!defined(p.y)) { pen = false; return; }
        if (step && lastX !== null && p.x - lastX > step * 1.5) pen = false;
        d += (pen ? "L" : "M") + sx(p.x).toFixed(1) + "," + sy(p.y).toFixed(1);
        pen = true;
        lastX = p.x;
      });
      var g = el("g", {"class": "series", "data-series": s.name, "data-index": si}, plot);
      if (d) el("path", {d: d, fill: "none", stroke: s.color, "stroke-width": 2, "stroke-linejoin": "round"}, g);
      pts.forEach(function (p) {
        if (!defined(p.y)) return;
        var c = el("circle", {
          cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: p.final === false ? 3.5 : 2.8,
          fill: s.color, stroke: s.color, "stroke-width": 1.5,
          "class": "point" + (p.final === false ? " open" : ""), "data-x": p.x, "data-y": p.y
        }, g);
        var title = el("title", null, c);
        title.textContent = s.name + " · " + formatTime(p.x, x1 - x0, step) + " · " + (opts.yLabel || "") + " "
          + formatValue(p.y) + (p.final === false ? " (window open)" : "") + (p.label ? " · " + p.label : "");
      });
    });

    // hover read-out: the nearest window's values of every series
    var hover = el("g", {"class": "hover", visibility: "hidden"}, svg);
    var hline = el("line", {y1: M.top, y2: H - M.bottom}, hover);
    var box = el("rect", {rx: 4, ry: 4, "class": "hover-box"}, hover);
    var txt = el("text", {"class": "hover-text"}, hover);
    var catcher = el("rect", {x: M.left, y: M.top, width: pw, height: ph, fill: "transparent", "class": "catcher"}, svg);
    var allX = xs.filter(function (x, i, a) { return a.indexOf(x) === i; }).sort(function (a, b) { return a - b; });
    function move(evt) {
      var pt = svg.createSVGPoint();
      pt.x = evt.clientX; pt.y = evt.clientY;
      var ctm = svg.getScreenCTM();
      if (!ctm) return;
      var loc = pt.matrixTransform(ctm.inverse());
      var target = x0 + (loc.x - M.left) / pw * (x1 - x0), best = allX[0];
      allX.forEach(function (x) { if (Math.abs(x - target) < Math.abs(best - target)) best = x; });
      var lines = [formatTime(best, x1 - x0, step)];
      series.forEach(function (s) {
        s.points.forEach(function (p) {
          if (p.x === best) lines.push(s.name + ": " + formatValue(p.y) + (p.final === false ? " (open)" : ""));
        });
      });
      clear(txt);
      lines.forEach(function (l, i) {
        var ts = el("tspan", {x: 0, dy: i === 0 ? 0 : 14}, txt);
        ts.textContent = l;
      });
      var bx = sx(best);
      hline.setAttribute("x1", bx); hline.setAttribute("x2", bx);
      var bw = 12 + 7 * Math.max.apply(null, lines.map(function (l) { return l.length; }));
      var bh = 8 + 14 * lines.length;
      var left = bx + 10 + bw > W - M.right ? bx - 10 - bw : bx + 10;
      box.setAttribute("x", left); box.setAttribute("y", M.top + 4);
      box.setAttribute("width", bw); box.setAttribute("height", bh);
      txt.setAttribute("transform", "translate(" + (left + 6) + "," + (M.top + 18) + ")");
      hover.setAttribute("visibility", "visible");
    }
    catcher.addEventListener("mousemove", move);
    catcher.addEventListener("mouseleave", function () { hover.setAttribute("visibility", "hidden"); });
  }

  global.MWChart = {render: render, formatTime: formatTime, formatValue: formatValue};
})(window);
