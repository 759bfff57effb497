await import('@venomqa/core')
