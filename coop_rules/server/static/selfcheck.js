// The self-check page: collect the form into a claim manifest, send it with the files to
// POST /v1/checks, show the verdict (announced through the status region) and the HTML report.
// Plain DOM code, no framework; text from the service is set with textContent, never as markup.
"use strict";

(function () {
  const form = document.getElementById("claim");
  const t = JSON.parse(document.getElementById("strings").textContent);
  const lang = form.dataset.lang;
  const files = []; // {file, row}
  const list = document.getElementById("file-list");
  const rowTemplate = document.getElementById("file-row");
  const status = document.getElementById("status");
  const report = document.getElementById("report");
  const problemsBox = document.getElementById("problems");

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

  function addFiles(chosen) {
    for (const file of chosen) {
      if (files.some((f) => f.file.name === file.name)) continue; // one file per name
      const row = rowTemplate.content.firstElementChild.cloneNode(true);
      const index = files.length + 1;
      row.querySelector(".name").textContent = file.name;
      row.querySelector(".role-text").textContent = `${t.role}: ${file.name}`;
      row.querySelector(".note-text").textContent = t.note;
      row.querySelector(".subtype-text").textContent = `${t.subtype}: ${file.name}`;
      row.querySelector(".role").value = guessRole(file.name);
      row.querySelector(".role").id = `role-${index}`;
      row.querySelector(".note").setAttribute("aria-label", `${t.note}: ${file.name}`);
      const entry = { file, row };
      row.querySelector(".remove").setAttribute("aria-label", `${t.remove}: ${file.name}`);
      row.querySelector(".remove").addEventListener("click", () => {
        files.splice(files.indexOf(entry), 1);
        row.remove();
        document.getElementById("no-files").hidden = files.length > 0;
        document.getElementById("f-files").focus();
      });
      files.push(entry);
      list.append(row);
    }
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

  // Input names are manifest field paths ("activity.start"): nest the values by them.
  function manifest() {
    const out = {};
    for (const input of form.querySelectorAll("input[name]")) {
      const value = input.value.trim();
      if (!value) continue;
      const path = input.name.split(".");
      let node = out;
      for (const key of path.slice(0, -1)) node = node[key] = node[key] || {};
      node[path[path.length - 1]] = input.name.endsWith("currency") ? value.toUpperCase() : value;
    }
    if (out.funds && out.claimed) out.claimed.currency = out.funds.currency;
    out.documents = files.map(({ file, row }) => {
      const doc = { path: file.name, role: row.querySelector(".role").value };
      const subtype = row.querySelector(".subtype").value;
      if (subtype && doc.role === "poe") doc.subtype = subtype;
      const note = row.querySelector(".note").value.trim();
      if (note) doc.note = note;
      return doc;
    });
    return out;
  }

  function clearProblems() {
    problemsBox.hidden = true;
    problemsBox.querySelector("ul").replaceChildren();
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
    }
  }

  function showProblems(heading, problems) {
    const ul = problemsBox.querySelector("ul");
    for (const problem of problems) {
      const li = document.createElement("li");
      // A missing object ("partner") points at its first field ("partner.legal_name").
      const input =
        form.querySelector(`[name="${CSS.escape(problem.location)}"]`) ||
        form.querySelector(`[name^="${CSS.escape(problem.location + ".")}"]`);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const link = document.createElement("a");
        link.href = `#${input.id}`;
        link.textContent = `${form.querySelector(`label[for="${input.id}"]`).firstChild.textContent.trim()}: ${problem.message}`;
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

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblems();
    report.hidden = true;
    status.className = "";
    status.textContent = t.checking;
    const button = document.getElementById("submit");
    button.disabled = true;
    const body = new FormData();
    body.append("manifest", JSON.stringify(manifest()));
    for (const { file } of files) body.append("files", file, file.name);
    const headers = { Accept: "text/html" };
    const key = document.getElementById("f-key");
    if (key) headers["X-API-Key"] = key.value;
    let response;
    try {
      response = await fetch(`/v1/checks?lang=${encodeURIComponent(lang)}`, {
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
      report.hidden = false;
      report.srcdoc = await response.text();
      document.getElementById("result-heading").focus();
      return;
    }
    let detail = {};
    try {
      detail = await response.json();
    } catch (error) {
      detail = { message: response.statusText };
    }
    status.textContent = "";
    if (response.status === 429 || response.status === 503) {
      status.textContent = t.error_busy;
    } else if (detail.problems) {
      showProblems(t.problems, detail.problems);
    } else {
      // The service's message is English, for developers: the page says it in its language.
      status.textContent = t[`error_${detail.error}`] || `${t.error_other} ${detail.message}`;
    }
  });
})();
