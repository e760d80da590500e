// GOV.UK conditional reveal. Without JavaScript every option's fields show; with it, only the
// chosen option's (none until one is chosen). Kept out of the page itself: the CSP forbids inline scripts.
document.addEventListener("DOMContentLoaded", () => {
  for (const group of document.querySelectorAll("[data-module='conditional-reveal']")) {
    const radios = Array.from(group.querySelectorAll("input[type='radio'][aria-controls]"));
    const sync = () => {
      for (const radio of radios) {
        const panel = document.getElementById(radio.getAttribute("aria-controls"));
        if (panel) panel.hidden = !radio.checked;
      }
    };
    for (const radio of radios) radio.addEventListener("change", sync);
    sync();
  }
});
