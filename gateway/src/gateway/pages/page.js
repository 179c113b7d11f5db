"use strict";
// The pages' one script. Its SHA-256 is in the page's Content-Security-Policy: it runs,
// and nothing injected into a page could. It posts the form as JSON to the API and shows
// the outcome: the page's words on success, the problem's `detail` on failure.
(function () {
  const form = document.querySelector("form[data-endpoint]");
  if (!form) return;
  const status = document.getElementById("status");
  const button = form.querySelector("button[type=submit]");

  function show(kind, lines) {
    status.className = kind;
    status.replaceChildren(...lines.map((line) => {
      const paragraph = document.createElement("p");
      paragraph.textContent = line;  // never markup: answers carry what callers typed
      return paragraph;
    }));
  }

  // "{workspace.name}" in the page's words becomes that field of the JSON answer.
  function fill(words, answer) {
    return words.replace(/\{([a-z_.]+)\}/g, (_, path) => {
      const value = path.split(".").reduce((at, key) => (at == null ? at : at[key]), answer);
      return value == null ? "" : String(value);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const again of form.querySelectorAll("input[data-same-as]")) {
      if (again.value !== form.elements.namedItem(again.dataset.sameAs).value) {
        show("error", [form.dataset.mismatchZh, form.dataset.mismatchEn]);
        return;
      }
    }
    const body = {};
    for (const input of form.querySelectorAll("input[name]")) {
      if (input.value !== "") body[input.name] = input.value;  // optional fields left out
    }
    button.disabled = true;
    show("busy", ["正在提交……", "Sending…"]);
    let response;
    try {
      response = await fetch(form.dataset.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      button.disabled = false;
      show("error", ["无法连接到服务器，请稍后再试。", "The server could not be reached; try again in a moment."]);
      return;
    }
    let answer = {};
    try {
      answer = JSON.parse((await response.text()) || "{}");
    } catch (error) {
      answer = {};  // not JSON: a proxy's page, say; the status still tells
    }
    if (response.ok) {
      form.hidden = true;
      show("ok", [fill(form.dataset.doneZh, answer), fill(form.dataset.doneEn, answer)]);
      return;
    }
    button.disabled = false;
    const detail = typeof answer.detail === "string" ? answer.detail : `HTTP ${response.status}`;
    show("error", ["未能完成 · Not done:", detail]);
  });
})();
