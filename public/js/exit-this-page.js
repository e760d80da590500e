// "Exit this page" (GOV.UK Design System): the link works without JavaScript; with it the page
// leaves by location.replace, so Back does not return here, and Shift pressed three times within
// five seconds leaves too. Progressive enhancement only.
(() => {
  const root = document.querySelector(".exit-this-page");
  const button = root && root.querySelector("a.exit-this-page-button");
  if (!button) return;
  const status = root.querySelector(".exit-this-page-status");
  const url = button.href;
  let presses = 0;
  let timer;

  const leave = (event) => {
    if (event) event.preventDefault();
    // Hide the page at once, so what was on screen is gone while the neutral site loads.
    document.documentElement.classList.add("exiting");
    if (status) status.textContent = root.dataset.loading || "";
    window.location.replace(url);
  };
  button.addEventListener("click", leave);

  document.addEventListener("keyup", (event) => {
    if (event.key !== "Shift") {
      presses = 0;
      return;
    }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(() => {
      presses = 0;
      if (status) status.textContent = "";
    }, 5000);
    if (presses >= 3) return leave();
    if (status) status.textContent = (presses === 1 ? root.dataset.shiftTwo : root.dataset.shiftOne) || "";
  });

  // Coming back through the back-forward cache: show the page again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) document.documentElement.classList.remove("exiting");
    presses = 0;
  });
})();
