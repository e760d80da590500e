// Progressive enhancement only: every page works without JavaScript.
// Move focus to the error summary so screen-reader and keyboard users hear what went wrong.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});

// After the language switch (a POST to /language that answers with the page itself), show the
// page's own address again, so a reload or a bookmark asks for the page, not the switch.
const pageAddress = document.documentElement.dataset.address;
if (pageAddress && pageAddress.startsWith("/") && !pageAddress.startsWith("//")) history.replaceState(null, "", pageAddress);
