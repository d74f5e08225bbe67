// The self-check page: send the form's fields as typed, with the files, to POST /check (the
// service reads amounts in the page's language and builds the claim manifest), show the verdict
// (announced through the status region) and the HTML report. The activity choices, and which of
// the attendees, results and pre-approval sections an activity needs, come from the activity
// matrix of the claim's fiscal year (the "programs" data the page carries).
// Plain DOM code, no framework; text from the service is set with textContent, never as markup.
"use strict";

(function () {
  const form = document.getElementById("claim");
  const t = JSON.parse(document.getElementById("strings").textContent);
  const programs = JSON.parse(document.getElementById("programs").textContent);
  const lang = form.dataset.lang;
  const files = []; // {file, name (as sent), row}
  const fileList = document.getElementById("file-list");
  const notices = document.getElementById("file-notices");
  const status = document.getElementById("status");
  const report = document.getElementById("report");
  const problemsBox = document.getElementById("problems");
  const activitySelect = form.elements["activity.type"];
  const COST_ROLES = ["invoice", "csr"];

  const format = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  const field = (name) => form.elements[name];

  // -- the activity matrix of the claim's fiscal year ------------------------------------------

  function profile() {
    const code = field("program.code").value.trim();
    const found = programs.profiles.filter((p) => code === p.code || code.startsWith(`${p.code}-`));
    found.sort((a, b) => b.code.length - a.code.length);
    return found[0] || null;
  }

  // As the calendar counts: a fiscal year is named by the calendar year it ends in.
  function fiscalYear() {
    const stated = field("program.fiscal_year").value.trim().toUpperCase();
    if (/^FY\d{2}$/.test(stated)) return stated;
    const starts = (profile() || programs.default).fiscal_year_starts;
    const text = field("usage_period.start").value;
    const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00`) : new Date();
    const year = day.getFullYear() + (starts > 1 && day.getMonth() + 1 >= starts ? 1 : 0);
    return `FY${String(year % 100).padStart(2, "0")}`;
  }

  // The year's matrix; for a year without one, the latest before it (else the first): the
  // check then says which matrix is missing.
  function activities() {
    const years = programs.matrices[(profile() || programs.default).matrix] || {};
    const wanted = fiscalYear();
    const known = Object.keys(years).sort();
    const year = known.includes(wanted)
      ? wanted
      : known.filter((y) => y < wanted).pop() || known[0];
    return year ? years[year] : [];
  }

  function chosenActivity() {
    return activities().find((a) => a.id === activitySelect.value) || null;
  }

  function fillActivities() {
    const chosen = activitySelect.value;
    const placeholder = activitySelect.options[0];
    const options = activities().map((a) => new Option(a.name, a.id));
    activitySelect.replaceChildren(placeholder, ...options);
    activitySelect.value = options.some((o) => o.value === chosen) ? chosen : "";
    showNeeded();
  }

  // -- sections an activity needs ---------------------------------------------------------------

  function toggle(section, needed) {
    section.hidden = !needed;
    section.disabled = !needed; // a hidden section's fields are not sent
    const rows = section.querySelector("ol.rows");
    if (needed && rows && !rows.children.length) addRow(section.querySelector("button.add"));
  }

  function showNeeded() {
    const activity = chosenActivity();
    toggle(document.getElementById("attendees"), Boolean(activity && activity.attendees));
    toggle(document.getElementById("metrics"), Boolean(activity && activity.metrics.length));
    const required = field("program.requires_preapproval").value;
    const byProgram = required ? required === "true" : Boolean(profile() && profile().preapproval);
    toggle(document.getElementById("preapproval"), Boolean(activity && activity.preapproval) || byProgram);
    // A result is chosen by its name in the page's language; the key is what is sent.
    const keys = document.getElementById("metric-keys");
    keys.replaceChildren(
      ...(activity ? activity.metrics.flat() : []).map((key) => new Option(metricName(key), metricName(key))),
    );
  }

  const metricName = (key) => programs.metrics[key] || key;

  // The key of a result typed or chosen by its name (or by its key); other text as typed.
  function metricKey(text) {
    const wanted = text.trim().toLocaleLowerCase(lang);
    const found = Object.entries(programs.metrics).find(
      ([key, name]) => name.toLocaleLowerCase(lang) === wanted || key === wanted,
    );
    return found ? found[0] : text.trim();
  }

  for (const name of ["program.code", "program.fiscal_year", "usage_period.start"]) {
    for (const type of ["input", "change"]) field(name).addEventListener(type, fillActivities);
  }
  field("program.requires_preapproval").addEventListener("change", showNeeded);
  activitySelect.addEventListener("change", showNeeded);

  // -- rows: attendees, results, documents --------------------------------------------------------

  // Each row's inputs are named by their list and position ("attendees[1].cost.amount").
  function renumber() {
    for (const list of ["attendees", "metrics", "documents"]) {
      form.querySelectorAll(`[data-list="${list}"]`).forEach((row, index) => {
        for (const input of row.querySelectorAll("[data-part]")) {
          input.name = `${list}[${index}].${input.dataset.part}`;
          input.id = `f-${input.name}`;
        }
      });
    }
  }

  function addRow(button) {
    const template = document.getElementById(button.dataset.template);
    const row = template.content.firstElementChild.cloneNode(true);
    row.querySelector(".remove").addEventListener("click", () => {
      row.remove();
      renumber();
      button.focus();
    });
    document.getElementById(button.dataset.rows).append(row);
    renumber();
    return row;
  }

  for (const button of form.querySelectorAll("button.add")) {
    button.addEventListener("click", () => addRow(button).querySelector("input").focus());
  }

  // A proof type only for proofs; a date and amount as entered only for cost documents.
  function showRoleFields(row) {
    const role = row.querySelector(".role").value;
    for (const [selector, shown] of [
      [".for-proof", role === "poe"],
      [".for-cost", COST_ROLES.includes(role)],
    ]) {
      for (const label of row.querySelectorAll(selector)) {
        label.hidden = !shown;
        for (const control of label.querySelectorAll("input, select")) control.disabled = !shown;
      }
    }
  }

  // The report frame is as tall as the report: the page scrolls, never a box inside it.
  function fitReport() {
    const doc = report.contentDocument;
    if (report.hidden || !doc || !doc.documentElement) return;
    report.style.height = "0px"; // measure the report at this width, not at the old height
    report.style.height = `${doc.documentElement.scrollHeight}px`;
  }
  report.addEventListener("load", fitReport);
  window.addEventListener("resize", fitReport);

  function guessRole(name) {
    const n = name.toLowerCase();
    if (/csr|certification/.test(n)) return "csr";
    if (/invoice|rechnung|facture|請求|청구|發票|inv[-_]/.test(n)) return "invoice";
    if (/result|report|metric|bericht/.test(n)) return "metrics";
    return "poe";
  }

  // Two different files with one name (two vendors' "Rechnung.pdf") are both kept: the later
  // one is sent as "Rechnung (2).pdf", and the page says so. The same file twice is added once.
  function sendName(file) {
    const taken = (name) => files.some((f) => f.name === name);
    if (!taken(file.name)) return file.name;
    const dot = file.name.lastIndexOf(".");
    const [stem, ext] = dot > 0 ? [file.name.slice(0, dot), file.name.slice(dot)] : [file.name, ""];
    let n = 2;
    while (taken(`${stem} (${n})${ext}`)) n += 1;
    return `${stem} (${n})${ext}`;
  }

  function notice(text) {
    const li = document.createElement("li");
    li.textContent = text;
    notices.append(li);
  }

  function addFiles(chosen) {
    notices.replaceChildren();
    for (const file of chosen) {
      const same = (f) =>
        f.file.name === file.name && f.file.size === file.size && f.file.lastModified === file.lastModified;
      if (files.some(same)) {
        notice(format(t.file_again, { name: file.name }));
        continue;
      }
      const name = sendName(file);
      if (name !== file.name) notice(format(t.file_renamed, { name: file.name, renamed: name }));
      const row = document.getElementById("file-row").content.firstElementChild.cloneNode(true);
      row.querySelector(".name").textContent = name;
      row.querySelector("[data-part=path]").value = name;
      row.querySelector(".role-text").textContent = `${t.role}: ${name}`;
      row.querySelector(".note-text").textContent = t.note;
      row.querySelector(".subtype-text").textContent = `${t.subtype}: ${name}`;
      const role = row.querySelector(".role");
      role.value = guessRole(file.name);
      role.dataset.label = `${t.role}: ${name}`;
      role.addEventListener("change", () => showRoleFields(row));
      row.querySelector(".subtype").dataset.label = `${t.subtype}: ${name}`;
      row.querySelector(".note").dataset.label = `${t.note}: ${name}`;
      row.querySelector(".note").setAttribute("aria-label", `${t.note}: ${name}`);
      for (const input of row.querySelectorAll(".for-cost input")) {
        input.dataset.label = `${input.dataset.label}: ${name}`;
      }
      const entry = { file, name, row };
      row.querySelector(".remove").setAttribute("aria-label", `${t.remove}: ${name}`);
      row.querySelector(".remove").addEventListener("click", () => {
        files.splice(files.indexOf(entry), 1);
        row.remove();
        renumber();
        document.getElementById("no-files").hidden = files.length > 0;
        document.getElementById("f-files").focus();
      });
      files.push(entry);
      fileList.append(row);
      showRoleFields(row);
    }
    renumber();
    document.getElementById("no-files").hidden = files.length > 0;
  }

  document.getElementById("f-files").addEventListener("change", (event) => {
    addFiles(event.target.files);
    event.target.value = "";
  });
  const drop = document.getElementById("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    addFiles(event.dataTransfer.files);
  });

  // -- sending ------------------------------------------------------------------------------------

  // Every enabled, named field as typed; the service reads it (amounts in the page's language).
  function fields() {
    const out = {};
    for (const control of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      if (control.type === "file" || control.matches(":disabled")) continue;
      if (!control.value.trim()) continue;
      const isMetric = control.closest("[data-list=metrics]") && control.dataset.part === "key";
      out[control.name] = isMetric ? metricKey(control.value) : control.value;
    }
    return out;
  }

  function clearProblems() {
    problemsBox.hidden = true;
    problemsBox.querySelector("ul").replaceChildren();
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
    }
  }

  // A problem's field; a missing object ("partner") points at its first one.
  function problemInput(location) {
    return (
      form.querySelector(`[name="${CSS.escape(location)}"]`) ||
      form.querySelector(`[name^="${CSS.escape(location + ".")}"]`) ||
      form.querySelector(`[name^="${CSS.escape(location + "[")}"]`)
    );
  }

  // Listed in the order of the form's fields (those without a field last).
  function inFormOrder(problems) {
    const placed = problems.map((problem) => ({ problem, input: problemInput(problem.location) }));
    return placed.sort((a, b) => {
      if (!a.input || !b.input) return Boolean(b.input) - Boolean(a.input);
      return a.input.compareDocumentPosition(b.input) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
  }

  function showProblems(heading, problems) {
    const ul = problemsBox.querySelector("ul");
    for (const { problem, input } of inFormOrder(problems)) {
      const li = document.createElement("li");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const link = document.createElement("a");
        link.href = `#${input.id}`;
        link.textContent = `${input.dataset.label}: ${problem.message}`;
        li.append(link);
      } else {
        li.textContent = `${problem.location}: ${problem.message}`;
      }
      ul.append(li);
    }
    problemsBox.querySelector("h2").textContent = heading;
    problemsBox.hidden = false;
    problemsBox.focus();
  }

  function showVerdict(response) {
    const verdict = response.headers.get("X-Coop-Verdict");
    const counts = Object.fromEntries(
      (response.headers.get("X-Coop-Counts") || "").split(",").map((kv) => kv.split("=")),
    );
    const parts = ["error", "action", "warning", "info"]
      .filter((k) => Number(counts[k]) > 0)
      .map((k) => `${t["count_" + k]}: ${counts[k]}`);
    status.className = `verdict verdict-${verdict}`;
    status.dataset.verdict = verdict;
    status.textContent = [t[`verdict_${verdict}`], parts.join(", ")].filter(Boolean).join(" — ");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblems();
    report.hidden = true;
    status.className = "";
    delete status.dataset.verdict;
    status.textContent = t.checking;
    const button = document.getElementById("submit");
    button.disabled = true;
    renumber();
    const body = new FormData();
    body.append("form", JSON.stringify(fields()));
    for (const { file, name } of files) body.append("files", file, name);
    const headers = { Accept: "text/html" };
    const key = document.getElementById("f-key");
    if (key) headers["X-API-Key"] = key.value;
    let response;
    try {
      response = await fetch(`/check?lang=${encodeURIComponent(lang)}`, {
        method: "POST",
        body,
        headers,
      });
    } catch (error) {
      status.textContent = t.error_network;
      button.disabled = false;
      return;
    }
    button.disabled = false;
    if (response.ok) {
      showVerdict(response);
      report.hidden = false;
      report.srcdoc = await response.text();
      document.getElementById("result-heading").focus();
      return;
    }
    let detail = {};
    try {
      detail = await response.json();
    } catch (error) {
      detail = {}; // not the service's JSON (a proxy's page): the generic sentence
    }
    status.textContent = "";
    if (response.status === 429 || response.status === 503) {
      status.textContent = t.error_busy;
    } else if (detail.problems) {
      showProblems(t.problems, detail.problems);
    } else {
      // The service's message is English, for developers: the page says each error code in its
      // language (tests hold page_strings to coop_rules/server/errors.py's codes), and anything
      // else in one sentence of its own, never the service's English.
      status.textContent = t[`error_${detail.error}`] || t.error_generic;
    }
  });

  fillActivities();
})();
