"""Planning: matrix expansion, cell keys, request bodies, fingerprints, and the diff against the lock.

    cells.py, matrix.py, request.py   the spec's cells and their request bodies
    diff.py, plan.py                  what apply would do per cell; Plan
    inputs.py                         what the lock keeps of the inputs and gates a plan applies
    explain.py                        which input moved a cell (Cause), managed object lines, moved gates
    display.py, saved.py              the plan as people read it; saved plans
"""
