// Start GOV.UK Frontend's components (character counts, error summary focus, etc.).
import { initAll } from './govuk-frontend.min.js'

// An error summary link must move focus into the field it names. Links to a date (or to a group
// of boxes) point at the wrapper around its inputs, which cannot take focus: point them at the
// first box in error there (the Design System: "link to the day box"), before the summary starts.
for (const link of document.querySelectorAll('.govuk-error-summary__list a[href^="#"]')) {
  const target = document.getElementById(decodeURIComponent(link.hash.slice(1)))
  if (!target || target.matches('input, select, textarea, button')) continue
  const box = target.querySelector('.govuk-input--error, .govuk-textarea--error, .govuk-select--error') ??
    target.querySelector('input:not([type=hidden]), select, textarea')
  if (box && box.id) link.setAttribute('href', `#${box.id}`)
}

// A radio that reveals more questions (data-app-reveals: the id of their container), looking like
// GOV.UK Frontend's conditional reveal but without the aria-expanded that its Radios puts on the
// radio, which ARIA does not allow there (axe: aria-allowed-attr, critical). Its group is taken from
// GOV.UK's Radios before initAll(): that one's click handler would mark any radio with aria-controls.
// Without JavaScript the questions stay shown (GOV.UK hides --hidden under .govuk-frontend-supported).
for (const radio of document.querySelectorAll('input[type="radio"][data-app-reveals]')) {
  const target = document.getElementById(radio.dataset.appReveals)
  if (!target) continue
  radio.closest('[data-module="govuk-radios"]')?.removeAttribute('data-module')
  radio.setAttribute('aria-controls', target.id)
  const sync = () => target.classList.toggle('govuk-radios__conditional--hidden', !radio.checked)
  // A radio unchecked by its neighbour fires no event of its own: listen to the whole form.
  const form = radio.form ?? document
  form.addEventListener('change', (event) => {
    if (event.target.name === radio.name) sync()
  })
  window.addEventListener('pageshow', sync) // a page restored by Back keeps its choice
  sync()
}

initAll()

// "Add another": the page comes back with the block just added marked; focus its first box, so
// that a keyboard or screen reader user carries on there (announced with the block's legend).
const added = document.querySelector('[data-autofocus]')
if (added && !document.querySelector('.govuk-error-summary')) {
  (added.querySelector('input:not([type=hidden]), textarea, select') ?? added).focus()
}

// Sortable tables (the screening results): each column header becomes a button that sorts the rows,
// with aria-sort saying how. Without JavaScript the table stays in its server order (most serious first).
for (const table of document.querySelectorAll('[data-module="app-sortable-table"]')) {
  const headers = [...table.querySelectorAll('thead th')]
  const body = table.querySelector('tbody')
  headers.forEach((th, column) => {
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'app-sortable__button'
    button.textContent = th.textContent
    th.textContent = ''
    th.appendChild(button)
    button.addEventListener('click', () => {
      const ascending = th.getAttribute('aria-sort') !== 'ascending'
      const numeric = th.classList.contains('govuk-table__header--numeric')
      const value = (row) => {
        const cell = row.cells[column]
        const raw = cell.dataset.sortValue ?? cell.textContent.trim()
        return numeric ? parseFloat(raw) : raw
      }
      const rows = [...body.rows].sort((a, b) => {
        const [x, y] = [value(a), value(b)]
        const order = numeric ? x - y : String(x).localeCompare(String(y))
        return ascending ? order : -order
      })
      headers.forEach((other) => other.setAttribute('aria-sort', 'none'))
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending')
      body.append(...rows)
    })
  })
}
