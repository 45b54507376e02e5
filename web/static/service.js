// Progressive enhancement only: every page works the same without JavaScript.
// GOV.UK Frontend's components (the menu button on small screens, error summary focus).
import("/assets/govuk-frontend.min.js").then(({ initAll }) => initAll());
