// GOV.UK character count. The server writes the count under each limited field (right without
// JavaScript); this updates it as the person types, and tells screen readers once typing pauses
// (a polite live region, as GOV.UK does, so every keystroke is not read out). The words come from
// the page (data-templates, one per plural category), so the catalog stays their one source.
document.addEventListener("DOMContentLoaded", () => {
  const locale = document.documentElement.lang || "en";
  const rules = new Intl.PluralRules(locale);
  const number = new Intl.NumberFormat(locale === "en" ? "en-GB" : locale);
  for (const group of document.querySelectorAll("[data-module='character-count']")) {
    const field = group.querySelector("textarea, input");
    const message = group.querySelector(".character-count-message");
    const max = Number(group.dataset.maxlength);
    const templates = JSON.parse(group.dataset.templates || "{}");
    if (!field || !message || !max) continue;
    const live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    group.appendChild(live);
    const text = () => {
      // A line break counts as one character, as the server counts it.
      const left = max - field.value.replace(/\r\n?/g, "\n").length;
      const words = templates[left >= 0 ? "remaining" : "tooMany"] || {};
      const count = Math.abs(left);
      const template = words[rules.select(count)] || words.other || "";
      return { over: left < 0, text: template.replace("{n}", number.format(count)) };
    };
    let pause;
    const update = () => {
      const now = text();
      message.textContent = now.text;
      message.classList.toggle("character-count-over", now.over);
      field.classList.toggle("input-over", now.over);
      clearTimeout(pause);
      pause = setTimeout(() => { live.textContent = now.text; }, 1000);
    };
    field.addEventListener("input", update);
  }
});
