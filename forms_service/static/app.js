// Start GOV.UK Frontend's components (character counts, error summary focus, etc.).
import { initAll } from './govuk-frontend.min.js'
initAll()

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
