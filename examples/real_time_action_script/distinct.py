def distinct(lst):  
    unique_elements = set(lst)  
    return list(unique_elements), len(unique_elements)  
