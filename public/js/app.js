// Progressive enhancement only: every page works without JavaScript.
// Move focus to the error summary so screen-reader and keyboard users hear what went wrong.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});

