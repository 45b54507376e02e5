// Progressive enhancement only: every page reads the same without JavaScript.

// GOV.UK Frontend's components (the service navigation's menu button on small screens).
import("/assets/govuk-frontend.min.js").then(({ initAll }) => initAll());

// A table too wide for the screen scrolls inside its region; make that region reachable
// with the keyboard, but only while it does scroll (no needless tab stops otherwise).
function focusScrollableRegions() {
  for (const region of document.querySelectorAll(".app-scroll")) {
    if (region.scrollWidth > region.clientWidth) {
      region.setAttribute("tabindex", "0");
    } else {
      region.removeAttribute("tabindex");
    }
  }
}

focusScrollableRegions();
window.addEventListener("resize", focusScrollableRegions);
