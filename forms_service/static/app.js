// Start GOV.UK Frontend's components (character counts, error summary focus, etc.).
import { initAll } from './govuk-frontend.min.js'
initAll()
