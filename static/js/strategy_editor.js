// Strategy editor: turns the rules JSON (textarea#id_rules) into one card per rule, with the
// parameters of its kind rendered from ParamSchema.as_json() (#editor-data), and writes the cards
// back to the textarea as JSON on submit. Errors from strategy_publish come keyed by rule index,
// then "kind" / "params" / "scope", then field, and are shown beside that field.
// Without JavaScript the textarea itself is the editor.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("strategy-editor");
  const source = document.getElementById("editor-data");
  if (!form || !source) return;
  const data = JSON.parse(source.textContent);
  const textarea = document.getElementById("id_rules");
  const list = document.getElementById("rule-list");
  let rules;
  try {
    rules = JSON.parse(textarea.value || "[]");
    if (!Array.isArray(rules)) throw new Error("not a list");
  } catch {
    return; // unreadable JSON: leave the textarea to the user
  }
  document.getElementById("rules-json-block").classList.add("d-none");
  const addButton = document.getElementById("add-rule");
  addButton.classList.remove("d-none");
  let uid = 0;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };
  const add = (node, ...children) => {
    for (const child of children) if (child) node.append(child);
  };
  const words = (name) => name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  const errorBox = (messages, id) =>
    messages && messages.length ? el("div", { class: "invalid-feedback d-block", id, text: messages.join(" ") }) : null;
  const kindOptions = Object.entries(data.kinds).map(([kind, info]) => [kind, info.label]);

  // --- one parameter ----------------------------------------------------------------------
  function paramField(param, value, errors, prefix) {
    const id = `${prefix}-${param.name}`;
    const errId = `${id}-error`;
    const invalid = errors && errors.length;
    const label = el("label", { class: "form-label", for: id, text: words(param.name) });
    if (param.required) label.append(el("span", { class: "text-danger ms-1", "aria-hidden": "true", text: "*" }));
    const hint = [];
    const wrap = el("div", { class: "col-12 col-sm-6 prm-param", "data-param": param.name, "data-type": param.type });
    const describe = invalid ? errId : null;

    if (param.type === "bool") {
      const input = el("input", {
        class: "form-check-input", type: "checkbox", role: "switch", id,
        checked: value === undefined ? Boolean(param.default) : Boolean(value), "aria-describedby": describe,
      });
      add(wrap, el("div", { class: "form-check form-switch mt-sm-4" }, input,
        el("label", { class: "form-check-label", for: id, text: words(param.name) })), errorBox(errors, errId));
      return wrap;
    }
    if (param.type === "list[str]" && param.choices) {
      const chosen = new Set(value || []);
      const group = el("fieldset", { class: "prm-check-group prm-param-checks", "aria-describedby": describe });
      add(group, el("legend", { class: "form-label fs-6 mb-1", text: words(param.name) + (param.required ? " *" : "") }));
      param.choices.forEach((choice, index) => {
        const boxId = `${id}-${index}`;
        add(group, el("div", { class: "form-check" },
          el("input", { class: "form-check-input", type: "checkbox", id: boxId, value: choice, checked: chosen.has(choice) }),
          el("label", { class: "form-check-label", for: boxId, text: words(choice) })));
      });
      if (!param.required) add(group, el("div", { class: "form-text", text: "None ticked: all." }));
      wrap.className = "col-12 prm-param";
      add(wrap, group, errorBox(errors, errId));
      return wrap;
    }
    if (param.type === "dict[str,float]") {
      const current = value || param.default || {};
      const group = el("fieldset", { class: "prm-check-group", "aria-describedby": describe });
      add(group, el("legend", { class: "form-label fs-6 mb-1", text: words(param.name) }));
      const row = el("div", { class: "row g-2" });
      param.keys.forEach((key) => {
        const keyId = `${id}-${key}`;
        add(row, el("div", { class: "col-6 col-md-4" },
          el("label", { class: "form-label small mb-1", for: keyId, text: words(key) }),
          el("input", {
            class: `form-control form-control-sm${invalid ? " is-invalid" : ""}`, type: "number", id: keyId,
            "data-key": key, min: param.min, max: param.max, step: "any", inputmode: "decimal",
            value: current[key] ?? "",
          })));
      });
      add(group, row, el("div", { class: "form-text", text: `Relative weights (${param.min ?? 0}–${param.max ?? "…"}); empty ones count as 0.` }));
      wrap.className = "col-12 prm-param";
      add(wrap, group, errorBox(errors, errId));
      return wrap;
    }
    if (param.type === "dict[str,int]") {
      // a whole number per vertical (the keys the server checks); empty ones are left out
      const current = value || param.default || {};
      const group = el("fieldset", { class: "prm-check-group", "aria-describedby": describe });
      add(group, el("legend", { class: "form-label fs-6 mb-1", text: words(param.name) }));
      const row = el("div", { class: "row g-2" });
      const known = new Set(data.verticals.map(([slug]) => slug));
      const keys = [...data.verticals, ...Object.keys(current).filter((key) => !known.has(key)).map((key) => [key, key])];
      keys.forEach(([key, name]) => {
        const keyId = `${id}-${key}`;
        add(row, el("div", { class: "col-6 col-md-4" },
          el("label", { class: "form-label small mb-1", for: keyId, text: name }),
          el("input", {
            class: `form-control form-control-sm${invalid ? " is-invalid" : ""}`, type: "number", id: keyId,
            "data-key": key, min: param.min, max: param.max, step: "1", inputmode: "numeric",
            value: current[key] ?? "",
          })));
      });
      add(group, row, el("div", { class: "form-text", text: `Whole numbers (${param.min ?? 0}–${param.max ?? "…"}); leave empty for none.` }));
      wrap.className = "col-12 prm-param";
      add(wrap, group, errorBox(errors, errId));
      return wrap;
    }
    let input;
    if (param.type === "str" && param.choices) {
      input = el("select", { class: "form-select" });
      if (!param.required) input.append(el("option", { value: "", text: param.default ? `Default (${words(param.default)})` : "—" }));
      for (const choice of param.choices) {
        input.append(el("option", { value: choice, text: words(choice), selected: value === choice }));
      }
    } else if (param.type === "int" || param.type === "float") {
      input = el("input", {
        class: "form-control", type: "number", min: param.min, max: param.max,
        step: param.type === "int" ? "1" : "any", inputmode: param.type === "int" ? "numeric" : "decimal",
        value: value ?? "", placeholder: param.default ?? null,
      });
      if (param.min !== undefined && param.max !== undefined) hint.push(`${param.min}–${param.max}`);
      else if (param.min !== undefined) hint.push(`at least ${param.min}`);
    } else if (param.type === "list[str]") {
      input = el("input", { class: "form-control", type: "text", value: (value || []).join(", "), "data-list": "1" });
      hint.push("Comma-separated");
    } else {
      input = el("input", { class: "form-control", type: "text", maxlength: param.max_length, value: value ?? "" });
      if (!param.required && !param.choices) hint.push("Optional");
    }
    if (!param.required && param.default !== undefined && param.default !== null && param.type !== "str") {
      hint.push(`default ${param.default}`);
    }
    input.id = id;
    if (invalid) {
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
    }
    if (param.required) input.required = true;
    const hintId = `${id}-hint`;
    input.setAttribute("aria-describedby", [describe, hint.length ? hintId : null].filter(Boolean).join(" ") || null);
    if (!input.getAttribute("aria-describedby")) input.removeAttribute("aria-describedby");
    add(wrap, label, input, errorBox(errors, errId), hint.length ? el("div", { class: "form-text", id: hintId, text: hint.join(" · ") }) : null);
    return wrap;
  }

  function readParam(wrap) {
    const type = wrap.dataset.type;
    if (type === "bool") return wrap.querySelector("input").checked;
    if (type === "dict[str,float]" || type === "dict[str,int]") {
      const result = {};
      wrap.querySelectorAll("input[data-key]").forEach((input) => {
        if (input.value.trim() !== "") result[input.dataset.key] = Number.isNaN(Number(input.value)) ? input.value : Number(input.value);
      });
      return Object.keys(result).length ? result : undefined;
    }
    if (type === "list[str]") {
      const boxes = wrap.querySelectorAll("input[type=checkbox]");
      if (boxes.length) {
        const values = [...boxes].filter((box) => box.checked).map((box) => box.value);
        return values.length || wrap.querySelector("legend").textContent.endsWith("*") ? values : undefined;
      }
      const values = wrap.querySelector("input").value.split(",").map((item) => item.trim()).filter(Boolean);
      return values.length ? values : undefined;
    }
    const control = wrap.querySelector("input, select");
    const raw = control.value.trim();
    if (raw === "") return undefined;
    if (type === "int" || type === "float") return Number.isNaN(Number(raw)) ? raw : Number(raw);
    return raw;
  }

  // --- scope ------------------------------------------------------------------------------
  function scopeBlock(scope, errors, prefix) {
    scope = scope || {};
    errors = errors || {};
    const count = ["engagement", "regions", "verticals"].reduce((n, key) => n + (scope[key] || []).length, 0);
    const hasErrors = Object.keys(errors).length > 0;
    const details = el("details", { class: "prm-rule-scope mt-2", open: count > 0 || hasErrors });
    add(details, el("summary", { class: "small fw-semibold", text: count ? `Scope (${count} condition${count > 1 ? "s" : ""})` : "Scope: every partner of the strategy (optional)" }));
    const row = el("div", { class: "row g-2 mt-1" });
    const engagement = el("fieldset", { class: "col-12 col-md-4", "data-scope": "engagement" });
    add(engagement, el("legend", { class: "form-label small fw-semibold mb-1", text: "Engagement" }));
    data.engagement.forEach(([value, label], index) => {
      const id = `${prefix}-eng-${index}`;
      add(engagement, el("div", { class: "form-check" },
        el("input", { class: "form-check-input", type: "checkbox", id, value, checked: (scope.engagement || []).includes(value) }),
        el("label", { class: "form-check-label small", for: id, text: label })));
    });
    add(engagement, errorBox(errors.engagement, `${prefix}-eng-error`));
    add(row, engagement);
    for (const [key, label, options] of [["regions", "Regions", data.regions], ["verticals", "Verticals", data.verticals]]) {
      const id = `${prefix}-${key}`;
      const select = el("select", { class: `form-select form-select-sm${errors[key] ? " is-invalid" : ""}`, id, multiple: true, size: 5, "data-scope": key });
      for (const [value, name] of options) {
        select.append(el("option", { value, text: key === "regions" ? `${name} (${value})` : name, selected: (scope[key] || []).includes(value) }));
      }
      add(row, el("div", { class: "col-12 col-sm-6 col-md-4" },
        el("label", { class: "form-label small fw-semibold mb-1", for: id, text: label }), select,
        errorBox(errors[key], `${id}-error`)));
    }
    add(details, row, errorBox(errors.__all__, `${prefix}-scope-error`));
    return details;
  }

  function readScope(card) {
    const scope = {};
    const engagement = [...card.querySelectorAll('[data-scope="engagement"] input:checked')].map((box) => box.value);
    if (engagement.length) scope.engagement = engagement;
    for (const key of ["regions", "verticals"]) {
      const values = [...card.querySelector(`select[data-scope="${key}"]`).selectedOptions].map((option) => option.value);
      if (values.length) scope[key] = values;
    }
    return scope;
  }

  // --- one rule ---------------------------------------------------------------------------
  function ruleCard(spec, errors) {
    errors = errors || {};
    const prefix = `rule${uid++}`;
    const card = el("section", { class: "card mb-3 prm-rule-card", "data-rule": "" });
    const header = el("div", { class: "card-header d-flex align-items-center gap-2" });
    const title = el("h3", { class: "h6 mb-0 me-auto prm-rule-title" });
    const tools = el("div", { class: "btn-group btn-group-sm", role: "group", "aria-label": "Move or remove" });
    for (const [action, icon, label] of [["up", "arrow-up", "Move up"], ["down", "arrow-down", "Move down"], ["remove", "trash", "Remove"]]) {
      add(tools, el("button", {
        type: "button", class: `btn ${action === "remove" ? "btn-outline-danger" : "btn-outline-secondary"}`,
        "data-action": action, title: label, "aria-label": label,
      }, el("i", { class: `bi bi-${icon}`, "aria-hidden": "true" })));
    }
    add(header, title, tools);
    const body = el("div", { class: "card-body" });
    const kindId = `${prefix}-kind`;
    const kind = el("select", { class: `form-select${errors.kind ? " is-invalid" : ""}`, id: kindId, "data-kind": "" });
    if (!spec.kind || !data.kinds[spec.kind]) kind.append(el("option", { value: spec.kind || "", text: spec.kind ? `Unknown: ${spec.kind}` : "Choose a rule kind…" }));
    for (const [value, label] of kindOptions) kind.append(el("option", { value, text: label, selected: value === spec.kind }));
    add(body, 
      el("div", { class: "mb-2" }, el("label", { class: "form-label", for: kindId, text: "Kind" }), kind, errorBox(errors.kind, `${kindId}-error`)),
      el("p", { class: "small text-body-secondary mb-3 prm-kind-description" }),
      el("div", { class: "row g-3 prm-params" }),
    );
    add(body, errorBox(errors.__all__, `${prefix}-error`));
    add(body, scopeBlock(spec.scope, errors.scope, prefix));
    add(card, header, body);

    const renderParams = (params, paramErrors) => {
      const info = data.kinds[kind.value];
      const box = body.querySelector(".prm-params");
      box.replaceChildren();
      body.querySelector(".prm-kind-description").textContent = info ? info.description : "";
      if (!info) return;
      paramErrors = paramErrors || {};
      for (const param of info.params) add(box, paramField(param, (params || {})[param.name], paramErrors[param.name], `${prefix}-p`));
      const unknown = Object.keys(paramErrors).filter((name) => !info.params.some((param) => param.name === name));
      for (const name of unknown) add(box, el("div", { class: "col-12" }, errorBox([`${name === "__all__" ? "" : name + ": "}${paramErrors[name].join(" ")}`], `${prefix}-p-${name}-error`)));
    };
    renderParams(spec.params, errors.params);
    kind.addEventListener("change", () => {
      kind.classList.remove("is-invalid");
      renderParams({}, {});
      renumber();
    });
    return card;
  }

  function readCard(card) {
    const params = {};
    card.querySelectorAll(".prm-param").forEach((wrap) => {
      const value = readParam(wrap);
      if (value !== undefined) params[wrap.dataset.param] = value;
    });
    return { kind: card.querySelector("[data-kind]").value, params, scope: readScope(card) };
  }

  function renumber() {
    const cards = [...list.querySelectorAll("[data-rule]")];
    cards.forEach((card, index) => {
      const select = card.querySelector("[data-kind]");
      const label = select.value && data.kinds[select.value] ? data.kinds[select.value].label : "New rule";
      card.querySelector(".prm-rule-title").textContent = `Rule ${index + 1} · ${label}`;
      card.setAttribute("aria-label", `Rule ${index + 1}: ${label}`);
      card.querySelector('[data-action="up"]').disabled = index === 0;
      card.querySelector('[data-action="down"]').disabled = index === cards.length - 1;
    });
    if (!cards.length) list.replaceChildren(el("p", { class: "text-body-secondary", "data-empty": "", text: "No rules: add one." }));
    else list.querySelector("[data-empty]")?.remove();
  }

  const errors = data.errors || {};
  rules.forEach((spec, index) => add(list, ruleCard(spec || {}, errors[String(index)])));
  renumber();

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const card = button.closest("[data-rule]");
    const action = button.dataset.action;
    if (action === "remove") {
      const next = card.nextElementSibling || card.previousElementSibling;
      card.remove();
      renumber();
      (next?.querySelector("[data-kind]") || addButton).focus();
      return;
    }
    if (action === "up" && card.previousElementSibling) card.previousElementSibling.before(card);
    if (action === "down" && card.nextElementSibling) card.nextElementSibling.after(card);
    renumber();
    button.focus();
  });

  addButton.addEventListener("click", () => {
    list.querySelector("[data-empty]")?.remove();
    const card = ruleCard({ kind: "", params: {}, scope: {} }, {});
    add(list, card);
    renumber();
    card.querySelector("[data-kind]").focus();
  });

  form.addEventListener("submit", () => {
    textarea.value = JSON.stringify([...list.querySelectorAll("[data-rule]")].map(readCard));
  });
});
