/*
 * modelwatch dashboard: polls the API every 2 s and draws, per model, F1 / AUC / label coverage over
 * windows (one series per version, a slice selector), the last closed window's figures by version and slice
 * (the open one's while none closed), and the alerts (those firing grouped by model version, the recent records).
 * Plain JS, no dependencies, no network other than this server.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var MAX_WINDOWS = 60; // windows of history drawn per series
  var PALETTE = ["#0072B2", "#B36B00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D31", "#7F7F7F"];

  var errors = window.modelwatchErrors = [];
  window.addEventListener("error", function (e) { errors.push("error: " + e.message); });
  window.addEventListener("unhandledrejection", function (e) { errors.push("rejection: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) {
    errors.push("csp: " + e.violatedDirective + " " + e.blockedURI);
  });

  // maps keyed by model ids, versions and slice values have no prototype: a model named "constructor" or
  // "__proto__" is a key like any other, not Object's own property
  function dict() { return Object.create(null); }

  var state = {slice: dict(), sections: dict(), refreshes: 0, timer: null, running: false, pending: false,
    openGroups: dict(), firingSignature: null, recent: [], recentSignature: null, rulesSignature: null, rules: [], lastOk: 0};

  // ------------------------------------------------------------------ helpers

  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] === undefined || attrs[k] === null) continue;
        if (k === "text") e.textContent = attrs[k];
        else if (k === "className") e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      }
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  var idOf = dict(), idsTaken = dict();
  /** A unique element-id-safe form of a name: two names never share one, whatever their hash ("x ?", "x! "). */
  function safeId(s) {
    s = String(s);
    if (idOf[s]) return idOf[s];
    var id = safeIdOf(s), n = 1;
    while (idsTaken[id + (n > 1 ? "~" + n : "")]) n++;
    id += n > 1 ? "~" + n : "";
    idsTaken[id] = true;
    idOf[s] = id;
    return id;
  }

  /** An element-id-safe form of a name; names that needed changing get a hash, mostly unique. */
  function safeIdOf(s) {
    var safe = s.replace(/[^A-Za-z0-9_-]/g, "_");
    if (safe === s) return s;
    var hsh = 0;
    for (var i = 0; i < s.length; i++) hsh = (hsh * 31 + s.charCodeAt(i)) | 0;
    return safe + "-" + (hsh >>> 0).toString(36);
  }

  function getJson(url) {
    return fetch(url, {cache: "no-store", headers: {"Accept": "application/json"}}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw new Error(url + ": " + r.status + " " + (body.error || r.statusText));
        return body;
      });
    });
  }

  function sliceOf(rec) {
    var s = rec.slice;
    if (s === undefined || s === null) return "";
    if (typeof s === "string") return s;
    return Object.keys(s).map(function (k) { return k + "=" + s[k]; }).join(",");
  }

  function toMs(v) {
    if (typeof v === "number") return v;
    if (typeof v === "string") { var t = Date.parse(v); return isNaN(t) ? null : t; }
    return null;
  }

  function num(v) { return typeof v === "number" && isFinite(v) ? v : null; }

  /**
   * A name as shown: control, zero-width and bidirectional-override characters spelled out as \uXXXX, so that
   * names differing only in them ("fraud" and "fraud\u200B") do not look alike, nor reorder the text around them.
   */
  function visible(s) {
    // a backslash too, so that a name holding the text "\u200B" does not pass for one holding the character
    return String(s).replace(/[\\\u0000-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g,
      function (c) {
        return c === "\\" ? "\\\\" : "\\u" + ("000" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
      });
  }

  function versionName(v) { return v === "" ? "(default)" : visible(v); }

  function sliceName(s) { return s === "" ? "Whole model" : visible(s); }

  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) return "–";
    if (typeof v !== "number") return String(v);
    return v.toFixed(digits === undefined ? 3 : digits);
  }

  function fmtTime(ms) {
    if (ms === null || ms === undefined) return "–";
    var d = new Date(ms);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " +
      p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }

  /** Time of day for today's times, date and time otherwise. */
  function fmtWhen(ms) {
    if (ms === null || ms === undefined) return "–";
    var d = new Date(ms), now = new Date();
    if (d.toDateString() === now.toDateString()) return fmtClock(ms);
    return fmtTime(ms);
  }

  function fmtClock(ms) {
    var d = new Date(ms);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }

  /** The figures a chart shows, binary and multiclass. */
  function figureKeys(kind) {
    return kind === "multiclass"
      ? {f1: "f1_macro", f1Label: "F1 (macro)", f1Short: "F1 macro", auc: "roc_auc_ovr",
        aucLabel: "ROC AUC (one-vs-rest)", aucShort: "AUC ovr"}
      : {f1: "f1", f1Label: "F1", f1Short: "F1", auc: "roc_auc", aucLabel: "ROC AUC", aucShort: "AUC"};
  }

  function figure(rec, key) {
    if (!rec) return null;
    if (key === "predictions" || key === "labeled") return num(rec[key]);
    if (key === "label_coverage") {
      var c = rec.metrics ? num(rec.metrics.label_coverage) : null;
      if (c === null && num(rec.predictions) && num(rec.labeled) !== null) c = rec.labeled / rec.predictions;
      return c;
    }
    return rec.metrics ? num(rec.metrics[key]) : null;
  }

  /**
   * The record a table shows for a series (an /api/models slice entry): its last closed window's, else (none
   * closed yet, or a server that does not say) its latest, the open window's.
   */
  function shownRecord(entry) {
    if (!entry) return null;
    return entry.latest_final || entry.latest || null;
  }

  /** Which window a table's figures are of: its start, "(open)" when it is still open. */
  function windowText(rec) {
    return fmtWhen(toMs(rec.window_start)) + (rec.final === false ? " (open)" : "");
  }

  /** The window in full, what it is, and the open window's start when a closed one is shown. */
  function windowTitle(rec, entry) {
    var t = fmtTime(toMs(rec.window_start)) + " to " + fmtTime(toMs(rec.window_end));
    if (rec.final === false) return t + ", open (no window closed yet): figures still updating";
    var open = entry && entry.latest;
    if (open && open !== rec && open.final === false && toMs(open.window_start) !== toMs(rec.window_start)) {
      t += ", closed; the open window from " + fmtWhen(toMs(open.window_start)) + " has " +
        fmt(num(open.predictions), 0) + " predictions so far";
    } else {
      t += ", closed";
    }
    return t;
  }

  function colorOf(model, version) {
    var i = model.versions.indexOf(version);
    return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
  }

  // ------------------------------------------------------------------ alerts

  function alertText(a) {
    if (a.reason === "rule_withdrawn") return "rule deleted or disabled while firing";
    if (a.reason === "rule_changed") return "rule's metric or condition edited while firing";
    if (a.reason === "slice_withdrawn") return "slice's tag removed from the service's slices";
    if (a.reason === "no_data") return "no data from the model version (resolve_when_silent)";
    var parts = [];
    parts.push((a.metric || "value") + " " + fmt(num(a.value)));
    if (num(a.threshold) !== null) parts.push("threshold " + fmt(a.threshold));
    if (Array.isArray(a.interval) && a.interval.length === 2) {
      parts.push("interval [" + fmt(num(a.interval[0])) + ", " + fmt(num(a.interval[1])) + "]");
    }
    if (num(a.labeled) !== null) parts.push(a.labeled + " labelled");
    if (num(a.rolling) !== null && a.rolling > 1) parts.push("rolling " + a.rolling + " windows");
    return parts.join(" · ");
  }

  function alertItem(a, firing) {
    // a record without a severity (a RESOLVED one of an episode fired before the 48th session, its rule gone)
    // shows none, rather than "warning" for a critical rule's
    var sev = a.severity ? String(a.severity) : null;
    var slice = sliceOf(a);
    var when = toMs(a.timestamp);
    var ws = toMs(a.window_start), we = toMs(a.window_end);
    var li = h("li", {
      className: "alert " + (firing ? "firing" : String(a.state || "").toLowerCase()) + " sev-" + safeId(sev || "none"),
      "data-rule": a.rule || "", "data-model": a.model_id || "", "data-state": a.state || ""
    }, [
      h("span", {className: "state", text: firing ? "FIRING" : (a.state || "?")}),
      sev === null ? null : h("span", {className: "sev", text: sev}),
      h("span", {className: "rule", text: a.rule || "(rule)"}),
      h("span", {className: "target", text: visible(a.model_id || "?") + " " + versionName(a.model_version || "") +
        (slice ? " · " + visible(slice) : "")}),
      h("span", {className: "detail", text: alertText(a)}),
      h("span", {className: "when", title: (ws !== null ? "window " + fmtTime(ws) + (we !== null ? " to " + fmtTime(we) : "") : "") +
          (when !== null ? ", raised " + fmtTime(when) : ""),
        text: [ws !== null ? "window " + fmtWhen(ws) + (we !== null ? "–" + fmtClock(we) : "") : null,
          when !== null ? (firing ? "since " : "at ") + fmtWhen(when) : null]
          .filter(function (x) { return x !== null; }).join(" · ")})
    ]);
    return li;
  }

  /** critical before warning before anything else a rule may say. */
  function severityRank(sev) { return sev === "critical" ? 0 : (sev === "warning" ? 1 : 2); }

  function compareText(x, y) { return x < y ? -1 : (x > y ? 1 : 0); }

  /**
   * The firing alerts grouped by model version: per group its rules, per rule its alerts (whole model first, then
   * the slices by name). Groups by worst severity, then the most alerts, then model and version; rules within a
   * group by worst severity, then name.
   */
  function groupFiring(firing) {
    var byKey = dict(), groups = [];
    firing.forEach(function (a) {
      var model = String(a.model_id || ""), version = String(a.model_version || "");
      var key = JSON.stringify([model, version]);
      var g = byKey[key];
      if (!g) {
        g = byKey[key] = {key: key, model: model, version: version, alerts: [], rules: dict(), ruleList: []};
        groups.push(g);
      }
      var ruleName = String(a.rule || "");
      var r = g.rules[ruleName];
      if (!r) {
        r = g.rules[ruleName] = {name: ruleName, alerts: []};
        g.ruleList.push(r);
      }
      g.alerts.push(a);
      r.alerts.push(a);
    });
    function summarise(x) {
      x.severity = null;
      x.since = null;
      x.alerts.forEach(function (a) {
        var sev = String(a.severity || "warning");
        if (x.severity === null || severityRank(sev) < severityRank(x.severity)) x.severity = sev;
        var t = toMs(a.timestamp);
        if (t !== null && (x.since === null || t < x.since)) x.since = t;
      });
    }
    groups.forEach(function (g) {
      summarise(g);
      g.ruleList.forEach(function (r) {
        summarise(r);
        r.alerts.sort(function (x, y) {
          var sx = sliceOf(x), sy = sliceOf(y);
          return (sx === "" ? 0 : 1) - (sy === "" ? 0 : 1) || compareText(sx, sy);
        });
      });
      g.ruleList.sort(function (x, y) {
        return severityRank(x.severity) - severityRank(y.severity) || compareText(x.name, y.name);
      });
      g.alerts = [];
      g.ruleList.forEach(function (r) { g.alerts = g.alerts.concat(r.alerts); });
    });
    groups.sort(function (x, y) {
      return severityRank(x.severity) - severityRank(y.severity) || y.alerts.length - x.alerts.length ||
        compareText(x.model, y.model) || compareText(x.version, y.version);
    });
    return groups;
  }

  /**
   * "f1 below 0.750": the rule's metric and threshold, a range when its alerts have several (baselines).
   * The direction is the record's condition (below and drop_from_baseline breach under the threshold, above and
   * rise_from_baseline over it). Records of builds before the 43rd session carry no condition, only the
   * metric, value, threshold and, with confidence, the interval: for them the direction is inferred from what the
   * alert stage compared, assuming that a FIRING record's figure is strictly past its threshold (below and
   * drop_from_baseline breach when it is < threshold, above and rise_from_baseline when it is >). That figure
   * is the value, or with confidence the interval's bound: its upper one below the threshold, its lower one
   * above. A figure equal to the threshold breaches neither way, so it counts for no direction. The value
   * can equal the threshold when the interval tells the direction (label_coverage below 1 with confidence: a
   * fully labelled window's Wilson upper bound can come out as 1 − 1e-16). Alerts that tell no direction, or
   * both (a rule turned from below to above while firing), say "vs".
   */
  function conditionText(alerts) {
    var metrics = [], thresholds = [], below = 0, above = 0, lo = null, hi = null;
    alerts.forEach(function (a) {
      var m = String(a.metric || "value");
      if (metrics.indexOf(m) < 0) metrics.push(m);
      var t = num(a.threshold);
      if (t === null) return;
      if (thresholds.indexOf(fmt(t)) < 0) thresholds.push(fmt(t));
      if (lo === null || t < lo) lo = t;
      if (hi === null || t > hi) hi = t;
      if (a.condition === "below" || a.condition === "drop_from_baseline") { below++; return; }
      if (a.condition === "above" || a.condition === "rise_from_baseline") { above++; return; }
      // what was compared with the threshold: the interval's bounds, else the value as both
      var i = Array.isArray(a.interval) && a.interval.length === 2 ? a.interval : null;
      var least = num(i ? i[0] : a.value), most = num(i ? i[1] : a.value);
      if (most !== null && most < t) below++;
      else if (least !== null && least > t) above++;
    });
    var text = metrics.join(" / ");
    // a rolling rule judged K windows merged, which no single window's chart point shows
    var spans = [];
    alerts.forEach(function (a) { if (num(a.rolling) !== null && a.rolling > 1 && spans.indexOf(a.rolling) < 0) spans.push(a.rolling); });
    if (spans.length) text += " (rolling " + spans.join(", ") + " windows)";
    if (!thresholds.length) return text;
    var dir = below && !above ? "below" : (above && !below ? "above" : "vs");
    return text + " " + dir + " " + (thresholds.length === 1 ? thresholds[0] : fmt(lo) + "–" + fmt(hi));
  }

  /** What one alert of a rule line says in full (a tooltip): its slice, figures and window. */
  function alertTitle(a) {
    var ws = toMs(a.window_start), we = toMs(a.window_end), when = toMs(a.timestamp);
    return sliceName(sliceOf(a)) + ": " + alertText(a) +
      (ws !== null ? ", window " + fmtTime(ws) + (we !== null ? " to " + fmtTime(we) : "") : "") +
      (when !== null ? ", firing since " + fmtTime(when) : "");
  }

  function ruleLine(r) {
    var targets = [];
    r.alerts.forEach(function (a, i) {
      if (i > 0) targets.push(" · ");
      var slice = sliceOf(a);
      targets.push(h("span", {className: "target", "data-slice": slice, title: alertTitle(a)}, [
        slice === "" ? "whole model" : visible(slice), " ", h("span", {className: "value", text: fmt(num(a.value))})]));
    });
    return h("li", {className: "rule-line sev-" + safeId(r.severity), "data-rule": r.name,
      "data-count": String(r.alerts.length), "data-since": r.since === null ? null : String(r.since)}, [
      h("span", {className: "sev", text: r.severity}),
      h("span", {className: "rule", text: r.name || "(rule)"}),
      h("span", {className: "cond", text: conditionText(r.alerts)}),
      h("span", {className: "at-firing", text: "when it fired:"}),
      h("span", {className: "targets"}, targets),
      h("span", {className: "when", title: r.since === null ? null : "firing since " + fmtTime(r.since),
        text: r.since === null ? "" : "since " + fmtWhen(r.since)})
    ]);
  }

  function alertGroup(g) {
    var name = visible(g.model) + " " + versionName(g.version);
    var n = g.alerts.length, nRules = g.ruleList.length;
    var titleId = "alert-group-" + safeId(g.key);
    // the rows in full exist only while the details are open: with hundreds of alerts firing, a closed group
    // costs its rule lines alone (rows built on opening, and here when the group is drawn open; dropped on closing)
    var rows = h("ul", {className: "alert-list"});
    var details = h("details", {className: "group-alerts"}, [
      h("summary", {text: (n === 1 ? "The alert" : "All " + n + " alerts") + " of " + name + " in detail"}), rows
    ]);
    function showRows() {
      if (!details.open) clear(rows);
      else if (!rows.firstChild) g.alerts.forEach(function (a) { rows.appendChild(alertItem(a, true)); });
    }
    details.open = state.openGroups[g.key] === true;
    showRows();
    details.addEventListener("toggle", function () {
      // a group's details replaced by a newer drawing of the list no longer speak for it
      if (!details.isConnected) return;
      if (details.open) state.openGroups[g.key] = true;
      else delete state.openGroups[g.key];
      showRows();
    });
    return h("li", {className: "alert-group firing sev-" + safeId(g.severity), "aria-labelledby": titleId,
      "data-model": g.model, "data-version": g.version, "data-severity": g.severity, "data-count": String(n),
      "data-since": g.since === null ? null : String(g.since)}, [
      h("div", {className: "group-head"}, [
        h("span", {className: "state", text: "FIRING"}),
        h("span", {className: "sev", text: g.severity}),
        h("h3", {className: "group-title", id: titleId}, [visible(g.model) + " ", h("span", {className: "version",
          text: versionName(g.version)})]),
        h("span", {className: "group-count", text: n + (n === 1 ? " alert" : " alerts") + " · " + nRules +
          (nRules === 1 ? " rule" : " rules")}),
        h("span", {className: "when", title: g.since === null ? null : "firing since " + fmtTime(g.since),
          text: g.since === null ? "" : "since " + fmtWhen(g.since)})
      ]),
      h("ul", {className: "rule-lines", "aria-label": "Rules firing for " + name}, g.ruleList.map(ruleLine)),
      details
    ]);
  }

  function renderAlerts(alerts) {
    var firing = alerts.firing || [];
    var recent = alerts.recent || [];
    // false while the server has not read the alerts topic up to its end yet (after a start): the list is
    // incomplete, so no "all clear"; a server that sends no caught_up has a complete list
    var loading = alerts.caught_up === false;
    document.getElementById("alerts-loading").hidden = !loading;
    var list = document.getElementById("alerts-firing");
    // rebuilt only when it changed, so that an opened group and the keyboard focus stay put between polls
    var signature = JSON.stringify([firing, loading, new Date().toDateString()]);
    if (signature !== state.firingSignature) {
      state.firingSignature = signature;
      clear(list);
      if (!firing.length) list.appendChild(h("li", {className: "none", text: loading ? "None read yet." : "No alerts firing."}));
      var groups = groupFiring(firing), shown = dict();
      groups.forEach(function (g) { shown[g.key] = true; list.appendChild(alertGroup(g)); });
      // a group gone from the list forgets that it was open: should it fire again, it comes back closed. Not
      // while the list is still loading, where a group missing may only not have been read yet
      if (!loading) {
        Object.keys(state.openGroups).forEach(function (key) { if (!shown[key]) delete state.openGroups[key]; });
      }
    }
    var count = document.getElementById("firing-count");
    count.textContent = (firing.length ? firing.length + " firing" : (loading ? "" : "all clear")) +
      (loading ? (firing.length ? ", " : "") + "loading…" : "");
    count.className = "badge " + (firing.length ? "bad" : (loading ? "" : "good"));
    var panel = document.getElementById("alerts-panel");
    panel.setAttribute("data-firing", String(firing.length));
    panel.setAttribute("data-caught-up", String(!loading));

    state.recent = recent.slice(0, 30);
    var recentSignature = JSON.stringify([state.recent, new Date().toDateString()]);
    if (recentSignature !== state.recentSignature) {
      state.recentSignature = recentSignature;
      drawRecent();
    }
    document.getElementById("recent-count").textContent = recent.length > state.recent.length
      ? "(the latest " + state.recent.length + " of " + recent.length + ")" : "(" + recent.length + ")";
  }

  /**
   * The recent alert records, drawn only while their details are open (and when they change): closed, as they
   * mostly are, they cost nothing per poll.
   */
  function drawRecent() {
    var rl = document.getElementById("alerts-recent");
    clear(rl);
    if (!rl.parentNode.open) return;
    state.recent.forEach(function (a) { rl.appendChild(alertItem(a, false)); });
    if (!state.recent.length) rl.appendChild(h("li", {className: "none", text: "No alert records yet."}));
  }

  // ------------------------------------------------------------------ models

  function ensureSection(model) {
    var id = model.model_id;
    var sec = state.sections[id];
    if (sec) return sec;
    var sid = safeId(id);
    var select = h("select", {id: "slice-" + sid, className: "slice-select", "aria-label": "Slice of " + id});
    select.addEventListener("change", function () { pickSlice(id, select.value); });
    var keys = figureKeys(model.kind);
    function chart(metric, label) {
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("class", "chart");
      svg.setAttribute("id", "chart-" + sid + "-" + metric);
      svg.setAttribute("data-metric", metric);
      svg.setAttribute("data-points", "0");
      var cap = h("figcaption", {text: label});
      var fig = h("figure", {className: "chart-card"}, [cap, svg]);
      return {svg: svg, fig: fig, caption: cap};
    }
    var f1 = chart("f1", keys.f1Label), auc = chart("auc", keys.aucLabel), cov = chart("coverage", "Label coverage");
    var legend = h("div", {className: "legend", id: "legend-" + sid});
    var summary = h("table", {className: "summary", id: "summary-" + sid});
    var slices = h("table", {className: "slices", id: "slices-" + sid});
    var badge = h("span", {className: "badge good", id: "model-badge-" + sid, text: "ok"});
    var kind = h("span", {className: "kind", text: model.kind || ""});
    var note = h("p", {className: "note", id: "note-" + sid});
    var summaryTitle = h("h3", {className: "summary-title", text: "Last closed window by version"});
    var root = h("section", {className: "model panel", id: "model-" + sid, "data-model": id}, [
      h("header", {className: "model-head"}, [
        h("h2", {text: visible(id)}), kind, badge,
        h("label", {className: "slice-label"}, ["Slice ", select])
      ]),
      legend,
      h("div", {className: "charts"}, [f1.fig, auc.fig, cov.fig]),
      h("div", {className: "tables"}, [
        h("div", {className: "table-card"}, [summaryTitle, summary]),
        h("div", {className: "table-card"}, [h("h3", {text: "Last closed window by slice"}), slices])
      ]),
      note
    ]);
    document.getElementById("models").appendChild(root);
    sec = {root: root, select: select, f1: f1, auc: auc, cov: cov, legend: legend, summary: summary, slices: slices,
      badge: badge, kind: kind, note: note, summaryTitle: summaryTitle};
    state.sections[id] = sec;
    return sec;
  }

  /**
   * The slices picked are kept in the address (#fraud=cloud%3Dgcp&intent=region%3Deu), so that a reload keeps
   * them and a link shows a colleague the same slice.
   */
  function pickSlice(id, slice) {
    state.slice[id] = slice;
    var parts = [];
    Object.keys(state.slice).sort().forEach(function (m) {
      if (state.slice[m] !== "") parts.push(encodeURIComponent(m) + "=" + encodeURIComponent(state.slice[m]));
    });
    history.replaceState(null, "", location.pathname + location.search + (parts.length ? "#" + parts.join("&") : ""));
    refreshSoon();
  }

  function readSlicesFromAddress() {
    var hash = location.hash.replace(/^#/, "");
    if (!hash) return;
    hash.split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq <= 0) return;
      try {
        state.slice[decodeURIComponent(part.substring(0, eq))] = decodeURIComponent(part.substring(eq + 1));
      } catch (e) {
        // a malformed escape: that part is ignored
      }
    });
  }

  function updateSelect(sec, model) {
    var id = model.model_id;
    var wanted = state.slice[id] === undefined ? "" : state.slice[id];
    var options = model.slices.slice();
    if (options.indexOf("") < 0) options.unshift("");
    if (options.indexOf(wanted) < 0) options.push(wanted);
    var current = Array.prototype.map.call(sec.select.options, function (o) { return o.value; });
    if (current.length !== options.length || current.join("\u0000") !== options.join("\u0000")) {
      clear(sec.select);
      options.forEach(function (s) { sec.select.appendChild(h("option", {value: s, text: sliceName(s)})); });
    }
    sec.select.value = wanted;
    state.slice[id] = wanted;
    return wanted;
  }

  /** Points per version from the history, one per window (a final record wins over an update). */
  function seriesOf(model, records, key) {
    var byVersion = dict();
    records.forEach(function (r) {
      if (r.rolling && r.rolling > 1) return;
      var v = r.model_version || "";
      var ws = toMs(r.window_start);
      if (ws === null) return;
      var m = byVersion[v] || (byVersion[v] = dict());
      var prev = m[ws];
      if (!prev || r.final === true || prev.final !== true) m[ws] = r;
    });
    return Object.keys(byVersion).sort().map(function (v) {
      var recs = byVersion[v];
      return {
        name: versionName(v),
        color: colorOf(model, v),
        points: Object.keys(recs).map(function (ws) {
          var r = recs[ws];
          return {x: Number(ws), y: figure(r, key), final: r.final !== false,
            label: (num(r.labeled) !== null ? r.labeled + " labelled" : "")};
        })
      };
    });
  }

  /**
   * The lines drawn across a chart of this model, metric and slice: each rule in force on it with a fixed line (a
   * `below` or `above` threshold, or a pinned baseline less the drop, plus the rise), always, so that how close a
   * figure runs to firing shows before it fires; and the threshold of each alert firing here (a learned baseline's
   * is known only from its alerts). A rule line that an alert here fires on is drawn as firing.
   */
  function thresholdsFor(alerts, model, metricKey, slice) {
    var lines = [];
    function add(y, name, title, firing) {
      for (var i = 0; i < lines.length; i++) {
        if (lines[i].y === y && (lines[i].rule === name || name === null || lines[i].rule === null)) {
          lines[i].firing = lines[i].firing || firing;
          if (lines[i].rule === null) { lines[i].rule = name; lines[i].title = title; }
          return;
        }
      }
      lines.push({y: y, rule: name, title: title, firing: firing});
    }
    (alerts.firing || []).forEach(function (a) {
      if (a.model_id === model.model_id && a.metric === metricKey && sliceOf(a) === slice && num(a.threshold) !== null) {
        add(a.threshold, a.rule || null, (a.rule ? a.rule + ": " : "") + "firing at " + fmt(a.threshold), true);
      }
    });
    state.rules.forEach(function (e) {
      var r = e.rule || {};
      if (e.enabled === false || r.metric !== metricKey || !anyGlob(r.models, model.model_id)) return;
      var versions = model.versions.filter(function (v) { return !r.versions || anyGlob(r.versions, v); });
      if (!versions.length) return;
      var y = fixedLineOf(r);
      if (y === null) return;
      var title = e.name + ": " + ruleQuestion(r) +
        (versions.length < model.versions.length ? ", " + versions.map(versionName).join(", ") + " only" : "") +
        (num(r.rolling) !== null && r.rolling > 1 ? ", judged on " + r.rolling + " windows together" : "") +
        (num(r.confidence) !== null ? ", judged on its " + Math.round(r.confidence * 100) + "% interval" : "");
      var firing = (alerts.firing || []).some(function (a) {
        return a.rule === e.name && a.model_id === model.model_id && sliceOf(a) === slice;
      });
      add(y, e.name, title, firing);
    });
    return lines;
  }

  /** Where a rule's fixed line lies, or null: a learned baseline is not known here. */
  function fixedLineOf(r) {
    if (num(r.below) !== null) return r.below;
    if (num(r.above) !== null) return r.above;
    if (num(r.baseline) === null) return null;
    if (num(r.drop_from_baseline) !== null) return r.baseline - r.drop_from_baseline;
    if (num(r.rise_from_baseline) !== null) return r.baseline + r.rise_from_baseline;
    return null;
  }

  /** Whether a name matches one of a rule's globs (`*` any run of characters, `?` one), as the alert stage reads them. */
  function anyGlob(globs, name) {
    var list = typeof globs === "string" ? [globs] : (globs || []);
    return list.some(function (g) {
      var re = String(g).split("").map(function (c) {
        return c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[\\^$.|+()\[\]{}\/-]/g, "\\$&");
      }).join("");
      return new RegExp("^" + re + "$").test(name);
    });
  }

  function renderLegend(sec, model) {
    clear(sec.legend);
    model.versions.forEach(function (v) {
      var sw = h("span", {className: "swatch swatch-" + (model.versions.indexOf(v) % PALETTE.length)});
      sec.legend.appendChild(h("span", {className: "legend-item"}, [sw, versionName(v)]));
    });
    sec.legend.appendChild(h("span", {className: "legend-item hint"}, [
      h("span", {className: "swatch open"}), "open window (still updating)"]));
  }

  function renderSummary(sec, model, slice, alerts, keys) {
    var t = sec.summary;
    clear(t);
    t.appendChild(h("thead", null, [h("tr", null, ["Version", "Window", "Predictions", "Labelled", "Coverage",
      keys.f1Short, keys.aucShort].map(function (c) { return h("th", {text: c}); }))]));
    var body = h("tbody");
    model.latest.forEach(function (v) {
      var series = null;
      v.slices.forEach(function (s) { if (s.slice === slice) series = s; });
      var entry = shownRecord(series);
      var firing = (alerts.firing || []).some(function (a) {
        return a.model_id === model.model_id && (a.model_version || "") === v.model_version && sliceOf(a) === slice;
      });
      var tr = h("tr", {className: firing ? "firing" : "", "data-version": v.model_version,
        "data-window": entry ? String(toMs(entry.window_start)) : null,
        "data-final": entry ? String(entry.final !== false) : null}, [
        h("td", null, [h("span", {className: "swatch swatch-" + (model.versions.indexOf(v.model_version) % PALETTE.length)}),
          versionName(v.model_version)]),
        h("td", {text: entry ? windowText(entry) : "–", title: entry ? windowTitle(entry, series) : null}),
        h("td", {className: "n", text: entry ? fmt(num(entry.predictions), 0) : "–"}),
        h("td", {className: "n", text: entry ? fmt(num(entry.labeled), 0) : "–"}),
        h("td", {className: "n", text: entry ? fmt(figure(entry, "label_coverage") === null ? null : 100 * figure(entry, "label_coverage"), 1) + "%" : "–"}),
        h("td", {className: "n", text: entry ? fmt(figure(entry, keys.f1)) : "–"}),
        h("td", {className: "n", text: entry ? fmt(figure(entry, keys.auc)) : "–"})
      ]);
      body.appendChild(tr);
    });
    t.appendChild(body);
  }

  function renderSlices(sec, model, selected, keys, alerts) {
    var t = sec.slices;
    // a row picked with the keyboard keeps the focus over the rebuild its pick causes
    var focused = document.activeElement && t.contains(document.activeElement)
      ? document.activeElement.getAttribute("data-slice") : null;
    clear(t);
    var head = [h("th", {text: "Slice"})];
    model.versions.forEach(function (v) {
      head.push(h("th", null, [h("span", {className: "swatch swatch-" + (model.versions.indexOf(v) % PALETTE.length)}),
        versionName(v) + " " + keys.f1Short + " · " + keys.aucShort]));
    });
    t.appendChild(h("thead", null, [h("tr", null, head)]));
    var body = h("tbody");
    var slices = model.slices.slice();
    if (slices.indexOf("") < 0) slices.unshift("");
    slices.forEach(function (s) {
      var firing = (alerts.firing || []).some(function (a) { return a.model_id === model.model_id && sliceOf(a) === s; });
      var cells = [h("td", null, [sliceName(s)].concat(firing ? [h("span", {className: "firing-mark", text: "firing"})] : []))];
      model.versions.forEach(function (v) {
        var series = null;
        model.latest.forEach(function (lv) {
          if (lv.model_version !== v) return;
          lv.slices.forEach(function (ls) { if (ls.slice === s) series = ls; });
        });
        var rec = shownRecord(series);
        cells.push(h("td", {className: "n", "data-version": v,
          "data-window": rec ? String(toMs(rec.window_start)) : null,
          text: rec ? fmt(figure(rec, keys.f1)) + " · " + fmt(figure(rec, keys.auc)) +
            (rec.final === false ? " (open)" : "") : "–",
          title: rec ? windowTitle(rec, series) : null}));
      });
      var tr = h("tr", {className: "pick" + (s === selected ? " selected" : "") + (firing ? " firing" : ""), "data-slice": s,
        title: "Show " + sliceName(s), tabindex: "0", role: "button", "aria-pressed": String(s === selected)}, cells);
      function pick() { pickSlice(model.model_id, s); }
      tr.addEventListener("click", pick);
      tr.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); }
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    if (focused !== null) {
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row.getAttribute("data-slice") === focused) row.focus();
      });
    }
  }

  /**
   * Whether a section is on screen or within a screen's height of it. Only those fetch their history at a poll:
   * a page of many models would otherwise ask for every model's windows every 2 s (165 requests a poll for 161
   * models) and fall behind its own polls.
   */
  function nearView(sec) {
    // what the observer last said; measured (a layout) only before it has said anything of a new section
    if (viewWatch && sec.near !== undefined) return sec.near;
    var r = sec.root.getBoundingClientRect(), margin = window.innerHeight || 0;
    return r.bottom > -margin && r.top < (window.innerHeight || 0) + margin;
  }

  /** A section scrolled near the view whose charts are older than the last poll is refreshed at once. */
  var viewWatch = typeof IntersectionObserver === "function" ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      var sec = state.sections[e.target.getAttribute("data-model")];
      if (sec) sec.near = e.isIntersecting;
      if (e.isIntersecting && e.target.getAttribute("data-behind") === "true") refreshSoon();
    });
  }, {rootMargin: "100% 0px 100% 0px"}) : null;

  function refreshModel(model, alerts) {
    var sec = ensureSection(model);
    var keys = figureKeys(model.kind);
    sec.f1.caption.textContent = keys.f1Label;
    sec.auc.caption.textContent = keys.aucLabel;
    sec.kind.textContent = model.kind || "";
    var slice = updateSelect(sec, model);
    var firing = (alerts.firing || []).filter(function (a) { return a.model_id === model.model_id; }).length;
    sec.badge.textContent = firing ? firing + " firing" : "ok";
    sec.badge.className = "badge " + (firing ? "bad" : "good");
    sec.root.classList.toggle("has-firing", firing > 0);
    renderLegend(sec, model);
    renderTables(sec, model, slice, alerts, keys);
    if (viewWatch && !sec.watched) {
      viewWatch.observe(sec.root);
      sec.watched = true;
    }
    // charts of a section far off screen keep their last drawing (its tables above are current) until it comes near
    if (!nearView(sec)) {
      sec.root.setAttribute("data-behind", "true");
      return Promise.resolve();
    }
    sec.root.setAttribute("data-behind", "false");

    var url = "/api/models/" + encodeURIComponent(model.model_id) + "/metrics?slice=" + encodeURIComponent(slice);
    if (model.latest_window_start !== null && model.window_size_ms) {
      // the newest window and the MAX_WINDOWS - 1 before it
      url += "&from=" + (model.latest_window_start - (MAX_WINDOWS - 1) * model.window_size_ms);
    }
    return getJson(url).then(function (hist) {
      var records = hist.records || [];
      // a window may have opened since /api/models answered: keep the newest MAX_WINDOWS windows, as documented
      var starts = dict();
      records.forEach(function (r) { starts[toMs(r.window_start)] = true; });
      var keep = Object.keys(starts).map(Number).sort(function (a, b) { return b - a; }).slice(0, MAX_WINDOWS);
      if (keep.length === MAX_WINDOWS) {
        var oldest = keep[keep.length - 1];
        records = records.filter(function (r) { return toMs(r.window_start) >= oldest; });
      }
      var step = model.window_size_ms || 0;
      MWChart.render(sec.f1.svg, {series: seriesOf(model, records, keys.f1), yLabel: keys.f1Label, xSpan: step,
        domain: [0, 1], thresholds: thresholdsFor(alerts, model, keys.f1, slice), rangeKey: slice});
      MWChart.render(sec.auc.svg, {series: seriesOf(model, records, keys.auc), yLabel: "AUC", xSpan: step,
        domain: [0, 1], thresholds: thresholdsFor(alerts, model, keys.auc, slice), rangeKey: slice});
      MWChart.render(sec.cov.svg, {series: seriesOf(model, records, "label_coverage"), yLabel: "coverage",
        xSpan: step, domain: [0, 1], thresholds: thresholdsFor(alerts, model, "label_coverage", slice),
        rangeKey: slice});
      var distinct = dict();
      records.forEach(function (r) { if (!(r.rolling > 1)) distinct[toMs(r.window_start)] = true; });
      var nWindows = Object.keys(distinct).length;
      sec.note.textContent = nWindows + (nWindows === 1 ? " window" : " windows") + " shown" +
        (slice ? " for slice " + visible(slice) : " for the whole model") +
        (step ? ", " + Math.round(step / 1000) + " s windows" : "") + ". Times are local.";
      sec.root.setAttribute("data-records", String(records.length));
    });
  }

  /** The tables come from /api/models alone: current for every section, on screen or not. */
  function renderTables(sec, model, slice, alerts, keys) {
    sec.summaryTitle.textContent = "Last closed window by version, " + (slice ? "slice " + visible(slice) : "whole model");
    // redrawn only when what they show changed: a poll that changes nothing keeps a selection or a tooltip
    var firingHere = (alerts.firing || []).filter(function (a) { return a.model_id === model.model_id; })
      .map(function (a) { return [a.model_version || "", sliceOf(a)]; });
    var tables = JSON.stringify([model.latest, model.versions, model.slices, slice, firingHere, keys.f1, keys.auc,
      new Date().toDateString()]);
    if (sec.tablesSignature !== tables) {
      sec.tablesSignature = tables;
      renderSummary(sec, model, slice, alerts, keys);
      renderSlices(sec, model, slice, keys, alerts);
    }
  }

  // ------------------------------------------------------------------ loop

  /**
   * While the monitor does not answer, the page says that what it shows is old (and since when), and the firing
   * badges go grey: an "all clear" from before the outage must not read as one now.
   */
  function showStale(stale) {
    document.body.classList.toggle("stale", stale);
    var banner = document.getElementById("stale");
    banner.hidden = !stale;
    if (stale) {
      // no running count of seconds: the banner is a live region, read out again at each change
      banner.textContent = state.lastOk
        ? "The monitor does not answer: everything below is as of " + fmtClock(state.lastOk) + ", alerts included."
        : "The monitor does not answer: nothing to show yet.";
    }
  }

  /** kind: "ok" (live), "waiting" (answering, not ready: starting or rebalancing) or "error" (no answer). */
  function setStatus(kind, text) {
    var s = document.getElementById("status");
    s.className = "status " + kind;
    s.setAttribute("data-refreshes", String(state.refreshes));
    document.getElementById("status-text").textContent = text;
  }

  var WAITING_FOR = {kafka_streams: "Kafka Streams (starting or rebalancing)", alert_feed: "the alert feed (reading model-alerts)"};

  function readiness(waitingFor) {
    if (waitingFor === null) return "Live";
    if (waitingFor.length === 0) return "Not ready (starting or rebalancing)";
    return "Not ready: waiting for " + waitingFor.map(function (w) { return WAITING_FOR[w] || String(w); }).join(" and ");
  }

  // ------------------------------------------------------------------ rules

  /** "f1 below 0.800", "roc_auc drop_from_baseline 0.080 (baseline of 3 windows)": what a rule asks. */
  function ruleQuestion(r) {
    var conditions = ["below", "above", "drop_from_baseline", "rise_from_baseline"];
    for (var i = 0; i < conditions.length; i++) {
      var c = conditions[i];
      if (r[c] === undefined) continue;
      var text = r.metric + " " + c.replace(/_/g, " ") + " " + fmt(num(r[c]));
      if (num(r.baseline) !== null) text += " (baseline " + fmt(r.baseline) + ")";
      else if (num(r.baseline_windows) !== null) text += " (baseline of " + r.baseline_windows + " windows)";
      return text;
    }
    return String(r.metric);
  }

  function ruleInForceLine(e) {
    var r = e.rule || {}, parts = [ruleQuestion(r)];
    if (num(r.rolling) !== null && r.rolling > 1) parts.push("rolling " + r.rolling);
    if (num(r.confidence) !== null) parts.push("confidence " + r.confidence);
    parts.push((r.for_windows || 1) + " to fire, " + (r.resolve_after || 1) + " to resolve");
    if (num(r.resolve_margin) !== null && r.resolve_margin > 0) parts.push("resolves " + fmt(r.resolve_margin) + " past it");
    parts.push("min " + (r.min_labeled === undefined ? 1 : r.min_labeled) + " labelled");
    if (r.on_updates) parts.push("on updates");
    parts.push(String(r.severity || "warning"));
    var where = e.source === "topic"
      ? (e.overrides_file_rule ? "rules topic, over the file's" : "rules topic") : "rules file";
    return h("li", {className: "rule-in-force" + (e.enabled ? "" : " disabled"), "data-rule": e.name,
      "data-source": e.source}, [h("span", {className: "rule", text: e.name}),
      parts.join(" · "), h("span", {className: "where", text: where + (e.enabled ? "" : " · disabled")})]);
  }

  /**
   * The rules in force, fetched at each poll (the charts draw their lines): kept as last answered when a fetch
   * fails, which is no outage of the page (503 while Kafka Streams is not running). Listed while their details are
   * open, drawn when they change.
   */
  function fetchRules() {
    return getJson("/api/rules").then(function (body) {
      state.rulesBody = body;
      state.rules = body.rules || [];
      state.rulesError = null;
    }, function (e) {
      state.rulesError = e.message;
    });
  }

  function refreshRules() {
    var details = document.getElementById("rules-list").parentNode;
    if (!details.open) return;
    var count = document.getElementById("rules-count");
    if (state.rulesError) {
      count.textContent = "(" + state.rulesError + ")";
      return;
    }
    var body = state.rulesBody;
    if (!body) return;
    var rules = body.rules || [], bad = body.unreadable || [];
    count.textContent = "(" + rules.length + (bad.length ? ", " + bad.length + " unreadable on the rules topic" : "") + ")";
    var signature = JSON.stringify(body);
    if (signature === state.rulesSignature) return;
    state.rulesSignature = signature;
    var list = document.getElementById("rules-list");
    clear(list);
    if (!rules.length && !bad.length) list.appendChild(h("li", {className: "none", text: "No alert rules."}));
    rules.forEach(function (e) { list.appendChild(ruleInForceLine(e)); });
    bad.forEach(function (u) {
      list.appendChild(h("li", {className: "rule-in-force unreadable", "data-rule": u.name}, [
        h("span", {className: "rule", text: u.name}),
        "unreadable on the rules topic" + (u.file_has_rule ? " (the file's rule of that name stands in)" : "") +
          ": " + u.problems]));
    });
  }

  function poll() {
    if (state.running) return;
    state.running = true;
    // null when ready, else what readiness waits for ([] when the body does not say)
    var ready = fetch("/ready", {cache: "no-store"}).then(function (r) {
      if (r.ok) return null;
      return r.json().then(function (b) { return Array.isArray(b.waiting_for) ? b.waiting_for : []; },
        function () { return []; });
    }).catch(function () { return []; });
    Promise.all([getJson("/api/models"), getJson("/api/alerts"), ready, fetchRules()]).then(function (res) {
      var models = res[0].models || [], alerts = res[1], waitingFor = res[2];
      var partial = (res[0].unreachable || []).length > 0;
      renderAlerts(alerts);
      refreshRules();
      var seen = dict();
      models.forEach(function (m) { seen[m.model_id] = true; });
      // an answer without some instance's state (rebalancing, down) is no news that a model went away
      if (!partial) {
        Object.keys(state.sections).forEach(function (id) {
          if (!seen[id]) {
            state.sections[id].root.remove();
            delete state.sections[id];
          }
        });
      }
      document.getElementById("empty").hidden = models.length > 0;
      state.lastOk = Date.now();
      showStale(false);
      // one model's history that fails (its state moving, say) is said in its section, not as an outage
      return Promise.all(models.map(function (m) {
        return refreshModel(m, alerts).catch(function (e) {
          var sec = state.sections[m.model_id];
          if (sec) sec.note.textContent = "Could not load this model's windows: " + e.message + " · retrying";
        });
      })).then(function () {
        state.refreshes++;
        document.body.setAttribute("data-refreshes", String(state.refreshes));
        setStatus(waitingFor === null ? "ok" : "waiting", readiness(waitingFor) + " · updated " + fmtClock(state.lastOk));
      });
    }).catch(function (e) {
      showStale(true);
      setStatus("error", "Cannot reach the monitor: " + e.message + " · retrying" +
        (state.lastOk ? " · figures below as of " + fmtClock(state.lastOk) : ""));
    }).then(function () {
      state.running = false;
      var soon = state.pending;
      state.pending = false;
      schedule(soon ? 0 : POLL_MS);
    });
  }

  function schedule(ms) {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      state.timer = null;
      poll();
    }, ms);
  }

  /** Redraw now (a slice was picked); if a refresh is under way, right after it. */
  function refreshSoon() {
    if (state.running) state.pending = true;
    else schedule(0);
  }

  document.addEventListener("DOMContentLoaded", function () {
    readSlicesFromAddress();
    window.addEventListener("hashchange", function () { readSlicesFromAddress(); refreshSoon(); });
    document.getElementById("alerts-recent").parentNode.addEventListener("toggle", drawRecent);
    document.getElementById("rules-list").parentNode.addEventListener("toggle", function () {
      fetchRules().then(refreshRules);
    });
    poll();
  });
})();
